"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge, type Tone } from "@/components/ui/badge";
import { ErrorNotice } from "@/components/ui/error-notice";
import type { EventStatus } from "@/lib/contracts/metrics";
import { formatTimestamp } from "@/lib/format";
import { eventStatusQuery } from "@/lib/queries/metrics";

export const STATE_TONES: Record<EventStatus["status"], Tone> = {
  published: "slate",
  delivered: "blue",
  acknowledged: "green",
  failed: "amber",
  "dead-lettered": "red",
};

/** The steps of one subscription's delivery that happened, in order, with their times. */
export function stepsOf(s: EventStatus["subscriptions"][number]): [step: string, at: string][] {
  const steps: [string, string | null][] = [
    ["delivered", s.deliveredAt],
    ["acknowledged", s.acknowledgedAt],
    ["failed", s.failedAt],
    ["dead-lettered", s.deadLetteredAt],
  ];
  return steps.filter((x): x is [string, string] => x[1] !== null).sort((a, b) => a[1].localeCompare(b[1]));
}

/** Where the event is, per subscription (`GET /api/events/{seq}/status`), refreshed every few seconds. */
export function ProcessingStatus({ seq }: { seq: number }) {
  const q = useQuery(eventStatusQuery(seq));
  if (q.isPending) return <p className="text-sm text-slate-500">Reading its status…</p>;
  if (q.isError) return <ErrorNotice error={q.error} onRetry={() => q.refetch()} testId="status-error" />;
  const st = q.data;
  return (
    <div data-testid="processing-status" data-status={st.status}>
      <p className="mb-2 flex items-center gap-2 text-sm">
        <Badge tone={STATE_TONES[st.status]} data-testid="processing-status-overall">
          {st.status}
        </Badge>
        {!st.tracked && <span className="text-xs text-slate-500">not tracked (too old, or tracking is off)</span>}
        {st.publishedAt && <span className="text-xs text-slate-500">published {formatTimestamp(st.publishedAt)}</span>}
      </p>
      {st.subscriptions.length === 0 ? (
        <p className="text-sm text-slate-500">No subscription has received it{st.tracked ? " yet" : ""}.</p>
      ) : (
        <ul className="space-y-2">
          {st.subscriptions.map((s) => (
            <li
              key={s.subscription}
              data-testid="status-subscription"
              data-subscription={s.subscription}
              data-state={s.state}
              className="rounded-md border border-slate-200 p-2 text-xs dark:border-slate-800"
            >
              <div className="flex items-center justify-between gap-2">
                <span className="truncate font-mono" title={s.subscription}>
                  {s.subscription}
                </span>
                <Badge tone={STATE_TONES[s.state]}>{s.state}</Badge>
              </div>
              <p className="mt-1 text-slate-500">
                {s.attempts} {s.attempts === 1 ? "attempt" : "attempts"}
                {s.latencyMs !== null && ` · ${s.latencyMs.toLocaleString("en-US")} ms to acknowledge`}
              </p>
              <ul className="mt-1 space-y-0.5 font-mono">
                {stepsOf(s).map(([step, at]) => (
                  <li key={step}>
                    {step} {formatTimestamp(at)}
                  </li>
                ))}
              </ul>
              {s.lastError && (
                <p className="mt-1 break-words text-red-700 dark:text-red-400">
                  {s.lastError.status !== undefined && `${s.lastError.status} `}
                  {s.lastError.message}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
