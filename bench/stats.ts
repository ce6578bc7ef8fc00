/** Order statistics over samples; nearest-rank percentiles, so p99 of 2000 samples is the 1980th. */
export function percentile(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

export function summary(samples: number[]): { n: number; median: number | null; min: number | null; max: number | null } {
  return { n: samples.length, median: median(samples), min: samples.length ? Math.min(...samples) : null, max: samples.length ? Math.max(...samples) : null };
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
