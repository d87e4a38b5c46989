"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useMemo, useState } from "react";
import { lagPoints } from "@/components/charts/lag";
import { LagChart } from "@/components/charts/lag-chart";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input, Select } from "@/components/ui/field";
import type { MetricWindow } from "@/lib/contracts/metrics";
import type { SubscriptionDto } from "@/lib/contracts/subscriptions";
import { formatCount } from "@/lib/format";
import { lagQuery } from "@/lib/queries/metrics";
import { resetSubscription, subscriptionKeys } from "@/lib/queries/subscriptions";
import { parseReset, type ResetMode, resetAllowed } from "./reset-model";

const WINDOWS: [MetricWindow, string][] = [
  ["15m", "15 minutes"],
  ["1h", "1 hour"],
  ["6h", "6 hours"],
  ["24h", "24 hours"],
];

function H({ children }: { children: string }) {
  return <h3 className="mb-2 text-sm font-semibold">{children}</h3>;
}

function Lag({ id }: { id: string }) {
  const ids = useId();
  const [window, setWindow] = useState<MetricWindow>("1h");
  const q = useQuery(lagQuery(id, window));
  const points = useMemo(() => (q.data ? lagPoints(q.data) : []), [q.data]);
  return (
    <section aria-labelledby={`${ids}-h`}>
      <div className="flex items-center justify-between gap-2">
        <h3 id={`${ids}-h`} className="text-sm font-semibold">
          Lag over time
        </h3>
        <label htmlFor={`${ids}-window`} className="flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
          <span>Window</span>
          <Select
            id={`${ids}-window`}
            className="h-8 w-32"
            value={window}
            onChange={(e) => setWindow(e.target.value as MetricWindow)}
          >
            {WINDOWS.map(([w, label]) => (
              <option key={w} value={w}>
                {label}
              </option>
            ))}
          </Select>
        </label>
      </div>
      <div className="mt-2 text-slate-700 dark:text-slate-300">
        {q.isPending ? (
          <p className="text-sm text-slate-500">Loading lag samples…</p>
        ) : q.isError ? (
          <ErrorNotice error={q.error} onRetry={() => q.refetch()} testId="lag-error" />
        ) : points.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="lag-empty">
            No lag sample in this window yet (one is taken every {q.data.step} s).
          </p>
        ) : (
          <LagChart points={points} />
        )}
      </div>
    </section>
  );
}

function Reset({ sub }: { sub: SubscriptionDto }) {
  const ids = useId();
  const qc = useQueryClient();
  const [mode, setMode] = useState<ResetMode>("time");
  const [time, setTime] = useState("");
  const [sequence, setSequence] = useState("");
  const [problem, setProblem] = useState<string>();
  const reset = useMutation({
    mutationFn: (to: Parameters<typeof resetSubscription>[1]) => resetSubscription(sub.id, to),
    onSettled: () => qc.invalidateQueries({ queryKey: subscriptionKeys.all }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = parseReset(mode, time, sequence);
    setProblem(r.ok ? undefined : r.problem);
    if (r.ok) reset.mutate(r.to);
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Reset position" className="space-y-3">
      <H>Reset position</H>
      <p className="text-xs text-slate-600 dark:text-slate-400">
        Moves where the subscription reads the stream (its consumer is recreated there): events from that point are delivered
        again, or skipped. Allowed only while the subscription is paused or has no members.
        {!resetAllowed(sub) && (
          <strong className="block text-amber-800 dark:text-amber-300">
            It is active with {formatCount(sub.stats?.members ?? 0)} {sub.stats?.members === 1 ? "member" : "members"} now: pause
            it first.
          </strong>
        )}
      </p>
      <div className="flex gap-4 text-sm">
        <label className="flex items-center gap-1.5">
          <input type="radio" name={`${ids}-mode`} checked={mode === "time"} onChange={() => setMode("time")} /> To a time
        </label>
        <label className="flex items-center gap-1.5">
          <input type="radio" name={`${ids}-mode`} checked={mode === "sequence"} onChange={() => setMode("sequence")} /> To a
          sequence
        </label>
      </div>
      {mode === "time" ? (
        <Field id={`${ids}-time`} label="Time" errors={problem ? [problem] : []}>
          {(p) => <Input {...p} type="datetime-local" step={1} value={time} onChange={(e) => setTime(e.target.value)} />}
        </Field>
      ) : (
        <Field id={`${ids}-seq`} label="Sequence" errors={problem ? [problem] : []}>
          {(p) => (
            <Input {...p} inputMode="numeric" value={sequence} onChange={(e) => setSequence(e.target.value)} placeholder="1" />
          )}
        </Field>
      )}
      {reset.error && <ErrorNotice error={reset.error} testId="reset-error" />}
      {reset.isSuccess && (
        <p role="status" data-testid="reset-done" className="text-sm text-emerald-800 dark:text-emerald-300">
          Position reset.
        </p>
      )}
      <div className="flex justify-end">
        <Button type="submit" variant="primary" disabled={reset.isPending}>
          {reset.isPending ? "Resetting…" : "Reset position"}
        </Button>
      </div>
    </form>
  );
}

/** A subscription's lag chart and "Reset position". */
export function SubscriptionDetails({ sub }: { sub: SubscriptionDto }) {
  return (
    <div className="space-y-6" data-testid="subscription-details">
      <Lag id={sub.id} />
      <div className="border-t border-slate-200 pt-4 dark:border-slate-800">
        <Reset sub={sub} />
      </div>
    </div>
  );
}
