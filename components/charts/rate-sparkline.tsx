"use client";

import { Area, AreaChart, Tooltip, XAxis, YAxis } from "recharts";
import { describeSeries, type RatePoint, toRatePoints } from "./series";

/** Events per second over the last minute, as a small area chart (recharts). */
export function RateSparkline({
  values,
  height = 40,
  unit = "events/s",
  className,
}: {
  /** Counts per second, oldest first, the current second last. */
  values: readonly number[];
  height?: number;
  unit?: string;
  className?: string;
}) {
  const data = toRatePoints(values);
  return (
    <div role="img" aria-label={describeSeries(values, unit)} className={className}>
      <AreaChart responsive style={{ width: "100%", height }} data={data} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
        <XAxis dataKey="t" hide type="number" domain={["dataMin", "dataMax"]} />
        <YAxis hide domain={[0, (max: number) => Math.max(1, max)]} />
        <Tooltip
          isAnimationActive={false}
          cursor={false}
          formatter={(v) => [`${String(v)} ${unit}`, ""]}
          labelFormatter={(t) => (Number(t) === 0 ? "this second" : `${-Number(t)} s ago`)}
          contentStyle={{ fontSize: 12, padding: "2px 6px" }}
        />
        <Area
          dataKey={(p: RatePoint) => p.value}
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
