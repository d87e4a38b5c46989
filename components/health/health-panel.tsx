"use client";

import { useQuery } from "@tanstack/react-query";
import { healthQuery } from "@/lib/queries/health";

const tone = {
  healthy: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300",
  degraded: "bg-amber-100 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300",
  unhealthy: "bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300",
} as const;

function Dot({ ok, label }: { ok: boolean; label: string }) {
  return (
    <li className="flex items-center gap-2" data-testid={`dep-${label.toLowerCase()}`} data-ok={ok}>
      <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${ok ? "bg-emerald-500" : "bg-red-500"}`} />
      <span>
        {label}: {ok ? "connected" : "down"}
      </span>
    </li>
  );
}

/** Live health of the bus, NATS and Redis, refreshed every few seconds. */
export function HealthPanel() {
  const { data, error, isPending } = useQuery(healthQuery());
  return (
    <section
      aria-labelledby="health-title"
      className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-center justify-between">
        <h2 id="health-title" className="text-lg font-medium">
          Health
        </h2>
        {data && (
          <span data-testid="health-status" className={`rounded-full px-3 py-1 text-sm font-medium ${tone[data.status]}`}>
            {data.status}
          </span>
        )}
      </div>
      {isPending && <p className="mt-4 text-slate-500">Checking…</p>}
      {error && (
        <p role="alert" className="mt-4 text-red-700 dark:text-red-400">
          Health check failed: {error.message}
        </p>
      )}
      {data && (
        <>
          <ul className="mt-4 space-y-1 text-sm">
            <Dot ok={data.details.nats_connected} label="NATS" />
            <Dot ok={data.details.redis_connected} label="Redis" />
          </ul>
          {data.details.stream && (
            <dl className="mt-4 grid grid-cols-3 gap-4 text-sm">
              <div>
                <dt className="text-slate-500">Stream</dt>
                <dd className="font-mono">{data.details.stream.name}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Events stored</dt>
                <dd data-testid="stream-messages" className="font-mono">
                  {data.details.stream.messages.toLocaleString()}
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Last seq</dt>
                <dd className="font-mono">{data.details.stream.lastSeq}</dd>
              </div>
            </dl>
          )}
          <p className="mt-4 text-xs text-slate-500">Checked {new Date(data.timestamp).toLocaleTimeString()}</p>
        </>
      )}
    </section>
  );
}
