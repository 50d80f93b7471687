/** Clocks and the summary statistics every figure is reported with. */
import { performance } from "node:perf_hooks";

/** Epoch milliseconds with sub-millisecond resolution (comparable across processes). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function elapsedSince(start: number): number {
  return now() - start;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p10: number;
  readonly p90: number;
}

/** Linear-interpolated quantile of sorted values (q in 0..1). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
  };
}

/** Element-wise ratios of paired samples (a[i] / b[i]), for figures interleaved with their floor. */
export function ratios(values: readonly number[], floors: readonly number[]): number[] {
  return values.map((value, index) => value / floors[index]!).filter((ratio) => Number.isFinite(ratio));
}
