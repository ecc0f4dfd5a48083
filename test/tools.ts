import { toolPath as projectToolPath } from '../verify/tools/tool-path';
import { ROOT } from './helpers';

/** Path of a pinned external tool, built by scripts/tools.sh on first use. */
export const toolPath = (name: string): string => projectToolPath(ROOT, name);
