"use client";

import { useQueries } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { METRIC_LABELS, RATE_METRICS } from "@/components/dashboard/model";
import { cx } from "@/components/ui/cx";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { PageHeader, Panel } from "@/components/ui/panel";
import { Segmented } from "@/components/ui/segmented";
import { METRIC_WINDOWS, type MetricWindow } from "@/lib/contracts/metrics";
import { formatCount } from "@/lib/format";
import { deadLetterTotalQuery } from "@/lib/queries/dead-letters";
import { topQuery } from "@/lib/queries/metrics";
import { hrefWithTenant } from "@/lib/tenant";
import { rateText, tenantRows } from "./model";

const WINDOWS: [MetricWindow, string][] = [
  ["15m", "15 minutes"],
  ["1h", "1 hour"],
  ["24h", "24 hours"],
];
/** Dead-letter totals are read per tenant: for the busiest ones only. */
const MAX_DLQ_READS = 25;

/** Per-tenant rates (from `/api/metrics/top?by=tenant`) and dead-letter counts (`/api/dead-letters?tenant=` totals). */
export function TenantsPage({ current }: { current: string | undefined }) {
  const [window, setWindow] = useState<MetricWindow>("1h");
  const tops = useQueries({ queries: RATE_METRICS.map((metric) => topQuery({ by: "tenant", metric, window, limit: 100 })) });
  const error = tops.find((q) => q.error)?.error;
  const loaded = tops.every((q) => q.data);
  const rows = loaded
    ? tenantRows(Object.fromEntries(RATE_METRICS.map((m, i) => [m, tops[i]?.data])), METRIC_WINDOWS[window])
    : [];
  const dlq = useQueries({
    queries: rows.slice(0, MAX_DLQ_READS).map((r) => deadLetterTotalQuery({ tenant: r.tenant })),
  });
  return (
    <div>
      <PageHeader
        title="Tenants"
        description="Traffic per tenant over the window (events per second and counts) and the dead letters each has now."
        actions={<Segmented label="Window" value={window} options={WINDOWS} onChange={setWindow} />}
      />
      <Panel className="overflow-hidden">
        {error ? (
          <div className="p-4">
            <ErrorNotice error={error} onRetry={() => tops.forEach((q) => void q.refetch())} />
          </div>
        ) : !loaded ? (
          <p className="p-4 text-sm text-slate-500">Loading tenants…</p>
        ) : rows.length === 0 ? (
          <div className="p-4">
            <EmptyState testId="tenants-empty" title="No traffic in this window">
              Tenants appear here once their events are published or delivered.
            </EmptyState>
          </div>
        ) : (
          <table className="w-full table-fixed text-left text-sm" data-testid="tenants-table">
            <caption className="sr-only">Tenants</caption>
            <thead className="bg-slate-50 text-xs text-slate-500 dark:bg-slate-900 dark:text-slate-400">
              <tr>
                <th scope="col" className="w-[20%] px-3 py-2 font-medium">
                  Tenant
                </th>
                {RATE_METRICS.map((m) => (
                  <th key={m} scope="col" className="px-2 py-2 text-right font-medium">
                    {METRIC_LABELS[m]} /s <span className="font-normal">(count)</span>
                  </th>
                ))}
                <th scope="col" className="w-[12%] px-3 py-2 text-right font-medium">
                  Dead letters now
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const d = i < MAX_DLQ_READS ? dlq[i] : undefined;
                const total = d?.data;
                return (
                  <tr
                    key={r.tenant}
                    data-testid="tenant-row"
                    data-tenant={r.tenant}
                    className={cx(
                      "border-t border-slate-100 dark:border-slate-800",
                      r.tenant === current && "bg-indigo-50/60 dark:bg-indigo-950/40",
                    )}
                  >
                    <td className="truncate px-3 py-2">
                      <Link
                        className="font-mono text-xs text-indigo-700 hover:underline dark:text-indigo-300"
                        href={hrefWithTenant("/", r.tenant)}
                      >
                        {r.tenant}
                      </Link>
                    </td>
                    {RATE_METRICS.map((m) => (
                      <td
                        key={m}
                        className="px-2 py-2 text-right font-mono text-xs tabular-nums"
                        data-testid={`tenant-${m}`}
                        data-count={r.counts[m]}
                      >
                        {rateText(r.rates[m])} <span className="text-slate-500">({formatCount(r.counts[m])})</span>
                      </td>
                    ))}
                    <td
                      className="px-3 py-2 text-right font-mono text-xs tabular-nums"
                      data-testid="tenant-dead-letters"
                      data-total={total ?? ""}
                    >
                      {d === undefined ? (
                        <span className="text-slate-400" title={`read for the ${MAX_DLQ_READS} busiest tenants`}>
                          –
                        </span>
                      ) : d.error ? (
                        <span className="text-red-700 dark:text-red-400" title={d.error.message}>
                          error
                        </span>
                      ) : total === undefined ? (
                        "…"
                      ) : (
                        <Link className="hover:underline" href={hrefWithTenant("/dead-letters", r.tenant)}>
                          {formatCount(total)}
                        </Link>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
