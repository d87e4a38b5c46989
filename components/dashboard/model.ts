import type { CountMetric, MetricSeries } from "@/lib/contracts/metrics";
import type { SubscriptionDto } from "@/lib/contracts/subscriptions";

/** The four rates the dashboard charts. */
export const RATE_METRICS = ["published", "delivered", "failed", "deadLettered"] as const satisfies readonly CountMetric[];
export type RateMetric = (typeof RATE_METRICS)[number];

export const METRIC_LABELS: Record<RateMetric, string> = {
  published: "published",
  delivered: "delivered",
  failed: "failed",
  deadLettered: "dead-lettered",
};

/** One chart row: events per second of each metric over the bucket starting at `t` (ms). */
export type RateRow = { t: number } & Record<RateMetric, number>;

/**
 * The series as events per second, one row per group of buckets: at most `maxPoints` rows (a 15-minute
 * window has 900 one-second buckets, 24 hours 1,440 one-minute ones), each the mean rate over its group.
 */
export function rateRows(series: Partial<Record<RateMetric, Pick<MetricSeries, "step" | "points">>>, maxPoints = 300): RateRow[] {
  const ref = RATE_METRICS.map((m) => series[m]).find((s) => s !== undefined && s.points.length > 0);
  if (!ref) return [];
  const n = ref.points.length;
  const group = Math.max(1, Math.ceil(n / maxPoints));
  const rows: RateRow[] = [];
  for (let i = 0; i < n; i += group) {
    const first = ref.points[i];
    if (!first) break;
    const row = { t: Date.parse(first.t) } as RateRow;
    for (const m of RATE_METRICS) {
      const s = series[m];
      const part = s?.points.slice(i, i + group) ?? [];
      const sum = part.reduce((a, p) => a + p.value, 0);
      const seconds = (s?.step ?? ref.step) * Math.max(1, part.length);
      row[m] = Math.round((sum / seconds) * 100) / 100;
    }
    rows.push(row);
  }
  return rows;
}

/** Sums of consecutive buckets: a per-minute series as hourly totals (`size` buckets each), oldest first. */
export function bucketTotals(points: readonly { t: string; value: number }[], size: number): { t: number; value: number }[] {
  const out: { t: number; value: number }[] = [];
  for (let i = 0; i < points.length; i += size) {
    const part = points.slice(i, i + size);
    const first = part[0];
    if (!first) break;
    out.push({ t: Date.parse(first.t), value: part.reduce((a, p) => a + p.value, 0) });
  }
  return out;
}

/** One bar of the stream's usage against its limits. */
export interface Usage {
  label: string;
  used: string;
  limit: string;
  /** 0–100, or null when there is no limit. */
  percent: number | null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatDuration(sec: number): string {
  if (sec < 60) return `${Math.round(sec)} s`;
  if (sec < 3600) return `${Math.round(sec / 60)} min`;
  if (sec < 86_400) return `${Math.round((sec / 3600) * 10) / 10} h`;
  return `${Math.round((sec / 86_400) * 10) / 10} d`;
}

const pct = (used: number, limit: number) => (limit > 0 ? Math.min(100, Math.round((used / limit) * 1000) / 10) : null);

/**
 * The stream's messages, bytes and the age of its oldest event against its limits (NATS: a limit
 * of -1, or 0 for the age, is no limit). `oldestAgeSec` is undefined while unknown.
 */
export function streamUsage(
  s: { messages: number; bytes: number; limits: { maxMsgs: number; maxBytes: number; maxAgeSec: number } },
  oldestAgeSec: number | undefined,
): Usage[] {
  const { maxMsgs, maxBytes, maxAgeSec } = s.limits;
  return [
    {
      label: "Messages",
      used: s.messages.toLocaleString("en-US"),
      limit: maxMsgs > 0 ? maxMsgs.toLocaleString("en-US") : "no limit",
      percent: pct(s.messages, maxMsgs),
    },
    {
      label: "Bytes",
      used: formatBytes(s.bytes),
      limit: maxBytes > 0 ? formatBytes(maxBytes) : "no limit",
      percent: pct(s.bytes, maxBytes),
    },
    {
      label: "Oldest event",
      used: oldestAgeSec === undefined ? "–" : formatDuration(oldestAgeSec),
      limit: maxAgeSec > 0 ? formatDuration(maxAgeSec) : "no limit",
      percent: oldestAgeSec === undefined ? null : pct(oldestAgeSec, maxAgeSec),
    },
  ];
}

/** The subscriptions furthest behind (largest `pending`), those with any lag only, at most `n`. */
export function largestLag<S extends Pick<SubscriptionDto, "id" | "stats">>(subs: readonly S[], n = 5): S[] {
  return subs
    .filter((s) => (s.stats?.pending ?? 0) > 0)
    .sort((a, b) => (b.stats?.pending ?? 0) - (a.stats?.pending ?? 0) || a.id.localeCompare(b.id))
    .slice(0, n);
}
