"use client";

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatClock } from "@/lib/format";
import { countAxis, GRID, timeAxis } from "./axes";
import { describeLag, type LagPoint } from "./lag";

/** A subscription's lag (not yet delivered) and ack-pending over time; gaps where nobody sampled. */
export function LagChart({ points, height = 200 }: { points: readonly LagPoint[]; height?: number }) {
  return (
    <div role="img" aria-label={describeLag(points)} data-testid="lag-chart" data-points={points.length}>
      <LineChart
        responsive
        style={{ width: "100%", height }}
        data={[...points]}
        margin={{ top: 8, right: 8, bottom: 0, left: -16 }}
      >
        <CartesianGrid {...GRID} />
        <XAxis {...timeAxis("t")} />
        <YAxis allowDecimals={false} {...countAxis} />
        <Tooltip isAnimationActive={false} labelFormatter={(t) => formatClock(Number(t))} contentStyle={{ fontSize: 12 }} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line
          name="lag"
          dataKey="lag"
          type="stepAfter"
          isAnimationActive={false}
          stroke="var(--color-indigo-500)"
          strokeWidth={1.5}
          dot={false}
          connectNulls={false}
        />
        <Line
          name="ack pending"
          dataKey="ackPending"
          type="stepAfter"
          isAnimationActive={false}
          stroke="var(--color-amber-500)"
          strokeWidth={1.5}
          dot={false}
          connectNulls={false}
        />
      </LineChart>
    </div>
  );
}
