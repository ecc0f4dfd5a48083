import { EnvironmentConfig } from '../config';

/** What every component is to the App-of-Apps, ours or upstream: one child Application. */
export interface Component {
  /** The child Application's name (and, for ours, the folder `dist/<env>/<name>/`). */
  readonly name: string;
  /** Destination namespace for the Argo CD Application. */
  readonly namespace: string;
  /** Argo CD sync wave (lib/waves.ts). */
  readonly wave: number;
  readonly enabled: (env: EnvironmentConfig) => boolean;
}

/** An API group and kind, as AppProject resource lists name them. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/**
 * Fields of one kind of object that an Application leaves alone (its `ignoreDifferences` entry, applied
 * with RespectIgnoreDifferences): a difference there is neither OutOfSync nor undone by selfHeal.
 */
export interface IgnoredFields {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  /** RFC 6901 pointers into the object, `~1` for a `/` in a key. */
  readonly jsonPointers: readonly string[];
}
