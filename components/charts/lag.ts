import type { LagSeries } from "@/lib/contracts/metrics";

/** One point of the lag chart; `null` values are gaps (no sample: nobody was running). */
export interface LagPoint {
  t: number;
  lag: number | null;
  ackPending: number | null;
}

/**
 * The lag samples as chart points, with a gap wherever samples are missing: a break of more
 * than 1.5 sampling periods gets a `null` point, so the line is not drawn across it.
 */
export function lagPoints(s: Pick<LagSeries, "step" | "points">): LagPoint[] {
  const out: LagPoint[] = [];
  const stepMs = s.step * 1000;
  let prev: number | undefined;
  for (const p of s.points) {
    const t = Date.parse(p.t);
    if (Number.isNaN(t)) continue;
    if (prev !== undefined && t - prev > stepMs * 1.5) out.push({ t: prev + stepMs, lag: null, ackPending: null });
    out.push({ t, lag: p.lag, ackPending: p.ackPending });
    prev = t;
  }
  return out;
}

/** Screen-reader summary of the lag series. */
export function describeLag(points: readonly LagPoint[]): string {
  const values = points.map((p) => p.lag).filter((v): v is number => v !== null);
  if (values.length === 0) return "Lag: no samples in this window";
  return `Lag: now ${values.at(-1)}, peak ${Math.max(...values)} events over ${values.length} samples`;
}
