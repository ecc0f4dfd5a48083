import { EnvironmentConfig } from '../types';
import { dev } from './dev';
import { devNoMesh } from './dev-no-mesh';
import { prod } from './prod';
import { stg } from './stg';

/** The registry: every environment, in render order. A new environment is a file here and one entry below. */
export const ENVIRONMENT_LIST: readonly EnvironmentConfig[] = [dev, devNoMesh, stg, prod];
