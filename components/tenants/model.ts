import { RATE_METRICS, type RateMetric } from "@/components/dashboard/model";
import type { MetricTop } from "@/lib/contracts/metrics";

/** One tenant's counts over the window, and its events per second. */
export interface TenantRow {
  tenant: string;
  counts: Record<RateMetric, number>;
  rates: Record<RateMetric, number>;
}

/**
 * Per-tenant rows from the `by=tenant` top lists of each metric (a tenant missing from one list
 * counted 0 there), sorted by events published, then by name.
 */
export function tenantRows(tops: Partial<Record<RateMetric, Pick<MetricTop, "items">>>, windowSec: number): TenantRow[] {
  const byTenant = new Map<string, TenantRow>();
  for (const m of RATE_METRICS) {
    for (const it of tops[m]?.items ?? []) {
      let row = byTenant.get(it.key);
      if (!row) {
        row = {
          tenant: it.key,
          counts: { published: 0, delivered: 0, failed: 0, deadLettered: 0 },
          rates: { published: 0, delivered: 0, failed: 0, deadLettered: 0 },
        };
        byTenant.set(it.key, row);
      }
      row.counts[m] = it.value;
      row.rates[m] = it.value / windowSec;
    }
  }
  return [...byTenant.values()].sort((a, b) => b.counts.published - a.counts.published || a.tenant.localeCompare(b.tenant));
}

/** Events per second for the table: small rates stay visible (`0.0014` is "<0.01", not "0"). */
export function rateText(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return "0";
  if (perSec < 0.01) return "<0.01";
  if (perSec < 10) return perSec.toFixed(2);
  return Math.round(perSec).toLocaleString("en-US");
}
