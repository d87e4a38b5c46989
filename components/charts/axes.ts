import { formatClock } from "@/lib/format";

/** What the console's line and area charts share: a faint grid, a time axis and a count axis. */

/** Ticks and axis lines in the text colour, faint. */
const AXIS_STYLE = {
  tick: { fontSize: 11, fill: "currentColor", fillOpacity: 0.6 },
  stroke: "currentColor",
  strokeOpacity: 0.2,
} as const;

/** `<CartesianGrid {...GRID} />`: horizontal dashed lines only. */
export const GRID = { strokeDasharray: "3 3", stroke: "currentColor", strokeOpacity: 0.12, vertical: false } as const;

/** `<XAxis {...timeAxis("t")} />`: ms since the epoch across the data's range, labelled hh:mm:ss. */
export function timeAxis(dataKey: string, tickFormatter: (t: number) => string = (t) => formatClock(t).slice(0, 8)) {
  return {
    dataKey,
    type: "number" as const,
    domain: ["dataMin", "dataMax"] as [string, string],
    tickFormatter,
    minTickGap: 40,
    ...AXIS_STYLE,
  };
}

/** `<YAxis {...countAxis} />`: from 0, at least up to 1. */
export const countAxis = {
  domain: [0, (max: number) => Math.max(1, Math.ceil(max))] as [number, (max: number) => number],
  ...AXIS_STYLE,
};
