import { KubeObject } from './synth';

/** A file of a generated folder: its path inside the folder, and its bytes. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** What a generated folder is made from: the objects the components render, as synth renders them for dist/. */
export interface GenerationContext {
  /** What one component renders for one environment, whether or not that environment enables it: this run's render where it has one. */
  readonly objects: (env: string, component: string) => readonly KubeObject[];
}

/**
 * A folder beside the output tree that synth owns whole and generates from
 * the same constructs as dist/ (the seed's lab/ tree, the demo-app chart):
 * written by the same atomic swap, and compared by `synth --check`, so it
 * never drifts from what Argo CD syncs.
 */
export interface GeneratedFolder {
  /** Its path from the project root (the output folder's parent), e.g. `lab/06-demo-app`. */
  readonly path: string;
  readonly files: (context: GenerationContext) => readonly GeneratedFile[];
}
