"use client";

import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { ThroughputPoint } from "@/components/health/throughput";
import { formatClock } from "@/lib/format";
import { countAxis, GRID, timeAxis } from "./axes";

/** Events stored per second over time (recharts), with axes; for the dashboard. */
export function ThroughputChart({ points, height = 180 }: { points: readonly ThroughputPoint[]; height?: number }) {
  const last = points.at(-1)?.perSec ?? 0;
  const peak = points.reduce((m, p) => Math.max(m, p.perSec), 0);
  return (
    <div role="img" aria-label={`Events stored per second: now ${last}, peak ${peak} over the last ${points.length} checks`}>
      <AreaChart
        responsive
        style={{ width: "100%", height }}
        data={[...points]}
        margin={{ top: 8, right: 8, bottom: 0, left: -16 }}
      >
        <CartesianGrid {...GRID} />
        <XAxis {...timeAxis("at")} />
        <YAxis allowDecimals={false} {...countAxis} />
        <Tooltip
          isAnimationActive={false}
          labelFormatter={(t) => formatClock(Number(t))}
          formatter={(v) => [`${String(v)} events/s`, "stored"]}
          contentStyle={{ fontSize: 12 }}
        />
        <Area
          dataKey="perSec"
          type="monotone"
          isAnimationActive={false}
          stroke="var(--color-indigo-500)"
          fill="var(--color-indigo-500)"
          fillOpacity={0.15}
          strokeWidth={1.5}
        />
      </AreaChart>
    </div>
  );
}
