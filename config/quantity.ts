import { ResourceSizes } from './types';

/**
 * Kubernetes resource quantities as the API server parses them: a decimal
 * number (`2`, `0.5`, `.1`, `1.`) with an optional binary suffix (Ki .. Ei),
 * decimal SI suffix (n, u, m, k, M, G, T, P, E) or decimal exponent (`1e-1`, `2E3`).
 */
const QUANTITY = /^((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const MULTIPLIER: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const multiplier = (suffix: string | undefined): number =>
  suffix && /^[eE][+-]?[0-9]+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : MULTIPLIER[suffix ?? ''];

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity in base units (cores for CPU, bytes for memory). */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`'${value}' is not a Kubernetes quantity (e.g. 250m, 2, 512Mi, 4Gi)`);
  }
  return Number(match[1]) * multiplier(match[2]);
}

/** Multiplies a quantity, keeping its suffix so diffs stay readable (128Mi x 4 = 512Mi). */
export function scaleQuantity(value: string, factor: number): string {
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`'${value}' is not a Kubernetes quantity (e.g. 250m, 2, 512Mi, 4Gi)`);
  }
  const scaled = Number(match[1]) * factor;
  return `${Number(scaled.toFixed(3))}${match[2] ?? ''}`;
}

export function scaleResources(sizes: ResourceSizes, factor: number): ResourceSizes {
  return {
    requests: { cpu: scaleQuantity(sizes.requests.cpu, factor), memory: scaleQuantity(sizes.requests.memory, factor) },
    limits: { cpu: scaleQuantity(sizes.limits.cpu, factor), memory: scaleQuantity(sizes.limits.memory, factor) },
  };
}
