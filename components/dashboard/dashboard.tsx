"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useMemo, useState } from "react";
import { BarTrend } from "@/components/charts/bar-trend";
import { RatesChart } from "@/components/charts/rates-chart";
import { Badge } from "@/components/ui/badge";
import { cx } from "@/components/ui/cx";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Segmented } from "@/components/ui/segmented";
import type { MetricSeries, MetricWindow } from "@/lib/contracts/metrics";
import { formatCount } from "@/lib/format";
import { eventQuery } from "@/lib/queries/events";
import { healthQuery } from "@/lib/queries/health";
import { seriesQuery, topQuery } from "@/lib/queries/metrics";
import { subscriptionsQuery } from "@/lib/queries/subscriptions";
import { hrefWithTenant } from "@/lib/tenant";
import { bucketTotals, largestLag, METRIC_LABELS, RATE_METRICS, type RateMetric, rateRows, streamUsage } from "./model";

type DashWindow = Extract<MetricWindow, "15m" | "24h">;
const WINDOW_LABEL: Record<DashWindow, string> = { "15m": "Last 15 minutes", "24h": "Last 24 hours" };

function Card({
  title,
  children,
  className,
  testId,
  aside,
}: {
  title: string;
  children: ReactNode;
  className?: string;
  testId?: string;
  aside?: ReactNode;
}) {
  return (
    <section
      data-testid={testId}
      aria-label={title}
      className={cx("rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900", className)}
    >
      <div className="mb-3 flex items-baseline justify-between gap-2">
        <h2 className="text-base font-medium">{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

const TILE_TONE: Record<RateMetric, string> = {
  published: "text-indigo-700 dark:text-indigo-300",
  delivered: "text-emerald-700 dark:text-emerald-300",
  failed: "text-amber-700 dark:text-amber-300",
  deadLettered: "text-red-700 dark:text-red-300",
};

/** Published / delivered / failed / dead-lettered: totals and events per second over the window. */
function Rates({ window, tenant }: { window: DashWindow; tenant: string | undefined }) {
  const qs = useQueries({ queries: RATE_METRICS.map((metric) => seriesQuery({ metric, window, tenant })) });
  const error = qs.find((q) => q.error)?.error;
  const loaded = qs.every((q) => q.data);
  const [published, delivered, failed, deadLettered] = qs.map((q) => q.data);
  const rows = useMemo(() => {
    const series: Partial<Record<RateMetric, MetricSeries>> = {};
    if (published) series.published = published;
    if (delivered) series.delivered = delivered;
    if (failed) series.failed = failed;
    if (deadLettered) series.deadLettered = deadLettered;
    return rateRows(series);
  }, [published, delivered, failed, deadLettered]);
  return (
    <>
      <div className="grid grid-cols-4 gap-3">
        {RATE_METRICS.map((m, i) => {
          const d = qs[i]?.data;
          return (
            <div
              key={m}
              className="rounded-lg border border-slate-200 bg-white px-4 py-3 dark:border-slate-800 dark:bg-slate-900"
              data-testid={`tile-${m}`}
              data-total={d?.total ?? ""}
            >
              <p className="text-xs tracking-wide text-slate-500 uppercase dark:text-slate-400">{METRIC_LABELS[m]}</p>
              <p className={cx("mt-1 text-2xl font-semibold tabular-nums", TILE_TONE[m])}>{d ? formatCount(d.total) : "…"}</p>
              <p className="text-xs text-slate-500">{WINDOW_LABEL[window].toLowerCase()}</p>
            </div>
          );
        })}
      </div>
      <Card
        title="Events per second"
        testId="rates-panel"
        className="mt-3"
        aside={<span className="text-xs text-slate-500">refreshes every {window === "15m" ? "5 s" : "minute"}</span>}
      >
        {error ? (
          <ErrorNotice error={error} onRetry={() => qs.forEach((q) => void q.refetch())} />
        ) : !loaded ? (
          <p className="text-sm text-slate-500">Loading the series…</p>
        ) : (
          <div className="text-slate-700 dark:text-slate-300">
            <RatesChart rows={rows} long={window === "24h"} />
          </div>
        )}
      </Card>
    </>
  );
}

function TopList({ by, window, tenant }: { by: "type" | "tenant"; window: DashWindow; tenant: string | undefined }) {
  const q = useQuery(topQuery({ by, metric: "published", window, tenant, limit: 8 }));
  const max = q.data?.items[0]?.value ?? 0;
  return (
    <Card
      title={by === "type" ? "Top types" : "Top tenants"}
      testId={`top-${by}`}
      aside={<span className="text-xs text-slate-500">published</span>}
    >
      {q.isPending ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : q.isError ? (
        <ErrorNotice error={q.error} onRetry={() => q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing published {WINDOW_LABEL[window].toLowerCase()}.</p>
      ) : (
        <ol className="space-y-1.5">
          {q.data.items.map((it) => (
            <li key={it.key} className="text-sm" data-testid={`top-${by}-item`} data-key={it.key} data-value={it.value}>
              <div className="flex justify-between gap-2">
                {by === "tenant" ? (
                  <Link
                    className="truncate font-mono text-xs text-indigo-700 hover:underline dark:text-indigo-300"
                    href={hrefWithTenant("/", it.key)}
                  >
                    {it.key}
                  </Link>
                ) : (
                  <span className="truncate font-mono text-xs" title={it.key}>
                    {it.key}
                  </span>
                )}
                <span className="font-mono text-xs tabular-nums">{formatCount(it.value)}</span>
              </div>
              <div className="mt-0.5 h-1.5 rounded-full bg-slate-100 dark:bg-slate-800">
                <div
                  className="h-full rounded-full bg-indigo-500/70"
                  style={{ width: `${max > 0 ? (it.value / max) * 100 : 0}%` }}
                />
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function UsageBar({ percent }: { percent: number | null }) {
  if (percent === null) return <div className="h-1.5 rounded-full bg-slate-100 dark:bg-slate-800" />;
  return (
    <div className="h-1.5 rounded-full bg-slate-100 dark:bg-slate-800">
      <div
        className={cx("h-full rounded-full", percent >= 90 ? "bg-red-500" : percent >= 70 ? "bg-amber-500" : "bg-emerald-500")}
        style={{ width: `${Math.max(1, percent)}%` }}
      />
    </div>
  );
}

/** The event stream against its limits: messages, bytes, age of the oldest event. */
function StreamUsage() {
  const health = useQuery(healthQuery());
  const stream = health.data?.details.stream;
  const first = stream && stream.messages > 0 ? stream.firstSeq : undefined;
  const oldest = useQuery({ ...eventQuery(first ?? 0), enabled: first !== undefined });
  const now = health.data ? Date.parse(health.data.timestamp) : Date.now();
  const ageSec = oldest.data ? Math.max(0, (now - Date.parse(oldest.data.storedAt)) / 1000) : undefined;
  return (
    <Card
      title="Stream usage"
      testId="stream-usage"
      aside={stream && <span className="font-mono text-xs text-slate-500">{stream.name}</span>}
    >
      {health.isError ? (
        <ErrorNotice error={health.error} />
      ) : !stream ? (
        <p className="text-sm text-slate-500">{health.isPending ? "Loading…" : "The health answer has no stream figures."}</p>
      ) : (
        <ul className="space-y-3">
          {streamUsage(stream, ageSec).map((u) => (
            <li key={u.label} data-testid="usage" data-label={u.label} data-percent={u.percent ?? ""}>
              <div className="flex justify-between text-sm">
                <span>{u.label}</span>
                <span className="font-mono text-xs tabular-nums">
                  {u.used} / {u.limit}
                  {u.percent !== null && <span className="text-slate-500"> ({u.percent}%)</span>}
                </span>
              </div>
              <UsageBar percent={u.percent} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** Dead letters now (the dead-letter stream) and dead-lettered per hour over the last day. */
function DeadLetterTrend({ tenant }: { tenant: string | undefined }) {
  const health = useQuery(healthQuery());
  const s = useQuery(seriesQuery({ metric: "deadLettered", window: "24h", tenant }));
  const hourly = useMemo(() => (s.data ? bucketTotals(s.data.points, 60) : []), [s.data]);
  const now = health.data?.details.dead_letter_stream?.messages;
  return (
    <Card
      title="Dead letters"
      testId="dead-letter-trend"
      aside={
        <Link className="text-xs text-indigo-700 underline dark:text-indigo-300" href={hrefWithTenant("/dead-letters", tenant)}>
          Open
        </Link>
      }
    >
      <p className="text-sm">
        <span className="text-2xl font-semibold text-red-700 tabular-nums dark:text-red-300" data-testid="dead-letters-now">
          {now === undefined ? "–" : formatCount(now)}
        </span>{" "}
        in the dead-letter stream{tenant ? " (all tenants)" : ""}
      </p>
      <p className="mt-1 text-xs text-slate-500">
        {s.data
          ? `${formatCount(s.data.total)} dead-lettered in the last 24 hours${tenant ? ` for ${tenant}` : ""}, per hour:`
          : ""}
      </p>
      {s.isError ? (
        <ErrorNotice error={s.error} />
      ) : s.data ? (
        <div className="mt-1 text-slate-700 dark:text-slate-300">
          <BarTrend
            points={hourly}
            unit="dead-lettered"
            label={`Dead-lettered per hour over the last 24 hours: ${s.data.total} in all`}
            testId="dead-letter-chart"
          />
        </div>
      ) : (
        <p className="text-sm text-slate-500">Loading…</p>
      )}
    </Card>
  );
}

function LargestLag({ tenant }: { tenant: string | undefined }) {
  const q = useQuery(subscriptionsQuery());
  const subs = q.data ? largestLag(q.data.items.filter((s) => !tenant || s.tenant === undefined || s.tenant === tenant)) : [];
  return (
    <Card
      title="Largest lag"
      testId="largest-lag"
      aside={
        <Link className="text-xs text-indigo-700 underline dark:text-indigo-300" href={hrefWithTenant("/subscriptions", tenant)}>
          Subscriptions
        </Link>
      }
    >
      {q.isPending ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : q.isError ? (
        <ErrorNotice error={q.error} />
      ) : subs.length === 0 ? (
        <p className="text-sm text-slate-500">No subscription is behind.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th scope="col" className="pb-1 font-medium">
                Subscription
              </th>
              <th scope="col" className="pb-1 text-right font-medium">
                Lag
              </th>
              <th scope="col" className="pb-1 text-right font-medium">
                Ack pend.
              </th>
              <th scope="col" className="pb-1 text-right font-medium">
                Circuit
              </th>
            </tr>
          </thead>
          <tbody>
            {subs.map((s) => (
              <tr key={s.id} className="border-t border-slate-100 dark:border-slate-800" data-testid="lag-row" data-id={s.id}>
                <td className="max-w-0 truncate py-1 pr-2" title={`${s.name} (${s.id})`}>
                  {s.name}
                </td>
                <td className="py-1 text-right font-mono text-xs tabular-nums">{formatCount(s.stats?.pending ?? 0)}</td>
                <td className="py-1 text-right font-mono text-xs tabular-nums">{formatCount(s.stats?.ackPending ?? 0)}</td>
                <td className="py-1 text-right">
                  <Badge tone={s.stats?.circuit === "closed" ? "green" : s.stats?.circuit === "open" ? "red" : "amber"}>
                    {s.stats?.circuit ?? "–"}
                  </Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

/** The dashboard's metrics: rates, top types and tenants, stream usage, dead letters, lag. Refreshes itself. */
export function Dashboard({ tenant }: { tenant: string | undefined }) {
  const [window, setWindow] = useState<DashWindow>("15m");
  return (
    <div className="mt-6" data-testid="dashboard-metrics">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-medium">Traffic{tenant ? ` of tenant ${tenant}` : ""}</h2>
        <Segmented
          label="Window"
          value={window}
          options={(["15m", "24h"] as const).map((w) => [w, WINDOW_LABEL[w]] as const)}
          onChange={setWindow}
        />
      </div>
      <Rates window={window} tenant={tenant} />
      <div className="mt-3 grid grid-cols-2 gap-3">
        <TopList by="type" window={window} tenant={tenant} />
        {tenant ? <LargestLag tenant={tenant} /> : <TopList by="tenant" window={window} tenant={undefined} />}
      </div>
      <div className="mt-3 grid grid-cols-3 gap-3">
        <StreamUsage />
        <DeadLetterTrend tenant={tenant} />
        {tenant ? (
          <Card title="Tenant" testId="tenant-card">
            <p className="text-sm">
              Showing tenant <span className="font-mono">{tenant}</span>.{" "}
              <Link className="text-indigo-700 underline dark:text-indigo-300" href="/tenants">
                All tenants
              </Link>
            </p>
          </Card>
        ) : (
          <LargestLag tenant={tenant} />
        )}
      </div>
    </div>
  );
}
