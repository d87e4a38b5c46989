"use client";

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { METRIC_LABELS, RATE_METRICS, type RateMetric, type RateRow } from "@/components/dashboard/model";
import { formatClock } from "@/lib/format";
import { countAxis, GRID, timeAxis } from "./axes";

const COLORS: Record<RateMetric, string> = {
  published: "var(--color-indigo-500)",
  delivered: "var(--color-emerald-500)",
  failed: "var(--color-amber-500)",
  deadLettered: "var(--color-red-500)",
};

function describeRates(rows: readonly RateRow[]): string {
  const peak = (m: RateMetric) => rows.reduce((a, r) => Math.max(a, r[m]), 0);
  return `Events per second over ${rows.length} points: ${RATE_METRICS.map((m) => `${METRIC_LABELS[m]} peak ${peak(m)}`).join(", ")}`;
}

/** Published / delivered / failed / dead-lettered events per second over a window (recharts). */
export function RatesChart({ rows, long, height = 220 }: { rows: readonly RateRow[]; long: boolean; height?: number }) {
  const tick = (t: number) => {
    const c = formatClock(t);
    return long ? c.slice(0, 5) : c.slice(0, 8);
  };
  return (
    <div role="img" aria-label={describeRates(rows)} data-testid="rates-chart" data-points={rows.length}>
      <LineChart
        responsive
        style={{ width: "100%", height }}
        data={[...rows]}
        margin={{ top: 8, right: 8, bottom: 0, left: -12 }}
      >
        <CartesianGrid {...GRID} />
        <XAxis {...timeAxis("t", tick)} />
        <YAxis {...countAxis} />
        <Tooltip
          isAnimationActive={false}
          labelFormatter={(t) => formatClock(Number(t))}
          formatter={(v, name) => [`${String(v)}/s`, String(name)]}
          contentStyle={{ fontSize: 12 }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {RATE_METRICS.map((m) => (
          <Line
            key={m}
            name={METRIC_LABELS[m]}
            dataKey={m}
            type="monotone"
            isAnimationActive={false}
            stroke={COLORS[m]}
            strokeWidth={1.5}
            dot={false}
          />
        ))}
      </LineChart>
    </div>
  );
}
