"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { healthQuery } from "@/lib/queries/health";

function Dot({ label, ok }: { label: string; ok: boolean | undefined }) {
  const state = ok === undefined ? "unknown" : ok ? "connected" : "down";
  return (
    <span className="flex items-center gap-1.5" data-testid={`badge-${label.toLowerCase()}`} data-state={state}>
      <span
        aria-hidden
        className={`h-2 w-2 rounded-full ${ok === undefined ? "bg-slate-400" : ok ? "bg-emerald-500" : "bg-red-500"}`}
      />
      <span>{label}</span>
      <span className="sr-only">{state}</span>
    </span>
  );
}

/** NATS and Redis at a glance (the same health query as the dashboard, so one request serves both). */
export function HealthBadge() {
  const { data, error } = useQuery(healthQuery());
  const nats = error ? false : data?.details.nats_connected;
  const redis = error ? false : data?.details.redis_connected;
  return (
    <Link
      href="/"
      title={error ? "Health check failed" : data ? `Bus ${data.status}` : "Checking health…"}
      className="flex h-9 items-center gap-3 rounded-md border border-slate-200 px-3 text-xs text-slate-700 hover:bg-slate-50 dark:border-slate-800 dark:text-slate-300 dark:hover:bg-slate-800"
    >
      <span className="sr-only">Health:</span>
      <Dot label="NATS" ok={nats} />
      <Dot label="Redis" ok={redis} />
    </Link>
  );
}
