/** The median of `values` (0 when there are none). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile of `values`, interpolated between the two nearest (0 when there are none). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.min(low + 1, sorted.length - 1)]! - sorted[low]!) * (at - low);
}
