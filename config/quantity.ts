import { ResourceSizes } from './types';

/**
 * Kubernetes resource quantities, the subset this project uses: plain or
 * decimal numbers with an optional SI (m, k, M, G, T) or binary (Ki .. Ti) suffix.
 */
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;

const MULTIPLIER: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity in base units (cores for CPU, bytes for memory). */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`'${value}' is not a Kubernetes quantity (e.g. 250m, 2, 512Mi, 4Gi)`);
  }
  return Number(match[1]) * MULTIPLIER[match[2] ?? ''];
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
