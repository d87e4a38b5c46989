"use client";

import { Bar, BarChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatClock } from "@/lib/format";

/** Counts per interval as small bars (e.g. dead letters per hour over a day). */
export function BarTrend({
  points,
  label,
  unit,
  height = 90,
  testId,
}: {
  points: readonly { t: number; value: number }[];
  label: string;
  unit: string;
  height?: number;
  testId?: string;
}) {
  return (
    <div role="img" aria-label={label} data-testid={testId} data-points={points.length}>
      <BarChart
        responsive
        style={{ width: "100%", height }}
        data={[...points]}
        margin={{ top: 4, right: 0, bottom: 0, left: -24 }}
      >
        <XAxis
          dataKey="t"
          tickFormatter={(t: number) => formatClock(t).slice(0, 5)}
          tick={{ fontSize: 10, fill: "currentColor", fillOpacity: 0.6 }}
          stroke="currentColor"
          strokeOpacity={0.2}
          minTickGap={24}
        />
        <YAxis
          allowDecimals={false}
          domain={[0, (max: number) => Math.max(1, max)]}
          tick={{ fontSize: 10, fill: "currentColor", fillOpacity: 0.6 }}
          stroke="currentColor"
          strokeOpacity={0.2}
        />
        <Tooltip
          isAnimationActive={false}
          labelFormatter={(t) => formatClock(Number(t)).slice(0, 5)}
          formatter={(v) => [`${String(v)} ${unit}`, ""]}
          contentStyle={{ fontSize: 12 }}
        />
        <Bar dataKey="value" isAnimationActive={false} fill="var(--color-red-500)" fillOpacity={0.7} />
      </BarChart>
    </div>
  );
}
