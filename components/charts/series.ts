/** A series of per-second counts as chart points: `t` is seconds before now (0 = the current second). */
export interface RatePoint {
  t: number;
  value: number;
}

export function toRatePoints(values: readonly number[]): RatePoint[] {
  return values.map((value, i) => ({ t: i - (values.length - 1), value }));
}

/** A sentence for screen readers describing the series. */
export function describeSeries(values: readonly number[], unit: string): string {
  if (values.length === 0) return `No ${unit} yet`;
  const peak = Math.max(...values);
  const last = values.at(-1) ?? 0;
  return `${values.length} seconds: now ${last} ${unit}, peak ${peak} ${unit}`;
}
