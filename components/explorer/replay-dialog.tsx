"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { JobProgress } from "@/components/jobs/job-progress";
import { replayProgress } from "@/components/jobs/progress";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input, Select } from "@/components/ui/field";
import { MAX_RATE_PER_SEC } from "@/lib/contracts/replays";
import { formatCount } from "@/lib/format";
import { replayApi, replayQuery } from "@/lib/queries/replays";
import { subscriptionsQuery } from "@/lib/queries/subscriptions";
import { buildReplay, MAX_SELECTED, type ReplaySource, type ReplayTarget } from "./replay-model";

const LIVE_VIEW = "__live__";

function Progress({ id }: { id: string }) {
  const q = useQuery(replayQuery(id));
  const cancel = useMutation({ mutationFn: () => replayApi.cancel(id) });
  const p = q.data && replayProgress(q.data);
  return (
    <JobProgress
      title={`Replay ${id}`}
      testId="replay-progress"
      progress={p}
      error={q.error ?? undefined}
      onCancel={() => cancel.mutate()}
      cancelling={cancel.isPending}
      cancelError={cancel.error ?? undefined}
    />
  );
}

/**
 * "Replay to…": the selected events or the current range, into one subscription or the live view.
 * The dry-run count shows before anything is sent; then the replay's progress with cancel, or the
 * live tail reading it.
 */
export function ReplayDialog({
  open,
  onClose,
  tenant,
  selected,
  range,
}: {
  open: boolean;
  onClose: () => void;
  tenant: string | undefined;
  selected: Extract<ReplaySource, { kind: "selected" }>["events"];
  range: Extract<ReplaySource, { kind: "range" }>;
}) {
  const ids = useId();
  const router = useRouter();
  const subs = useQuery({ ...subscriptionsQuery(), enabled: open });
  const [what, setWhat] = useState<"selected" | "range">(selected.length > 0 ? "selected" : "range");
  const [targetValue, setTargetValue] = useState("");
  const [rate, setRate] = useState("");
  const [replayId, setReplayId] = useState<string>();

  const rateNum = rate.trim() === "" ? undefined : Number(rate);
  const rateProblem =
    rateNum !== undefined && !(Number.isInteger(rateNum) && rateNum >= 1 && rateNum <= MAX_RATE_PER_SEC)
      ? `must be 1 to ${MAX_RATE_PER_SEC}`
      : undefined;
  const target: ReplayTarget | undefined =
    targetValue === "" ? undefined : targetValue === LIVE_VIEW ? { type: "stream" } : { type: "subscription", id: targetValue };
  const source: ReplaySource = what === "selected" ? { kind: "selected", events: selected } : range;
  const built = target && !rateProblem ? buildReplay(source, tenant, target, rateNum) : undefined;
  const input = built?.ok ? built.input : undefined;

  // the dry run: how many events this would send (nothing is sent)
  const dryRun = useQuery({
    queryKey: ["replay-dry-run", input],
    queryFn: () => replayApi.dryRun(input as NonNullable<typeof input>),
    enabled: open && input !== undefined && replayId === undefined,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
  const start = useMutation({
    mutationFn: replayApi.start,
    onSuccess: (r) => {
      if (input?.target.type === "stream") {
        onClose();
        router.push(`/live?replay=${encodeURIComponent(r.id)}`);
      } else setReplayId(r.id);
    },
  });
  const count = dryRun.data?.count;

  return (
    <Dialog open={open} onClose={onClose} title="Replay to…" testId="replay-dialog" className="max-w-lg">
      {open && (
        <div className="space-y-4">
          <fieldset disabled={replayId !== undefined}>
            <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Events</legend>
            <label className="mt-1 flex items-center gap-2 text-sm">
              <input
                type="radio"
                name={`${ids}-what`}
                checked={what === "selected"}
                disabled={selected.length === 0}
                onChange={() => setWhat("selected")}
              />
              Selected events ({formatCount(selected.length)}
              {selected.length > MAX_SELECTED ? `, at most ${MAX_SELECTED}` : ""})
            </label>
            <label className="mt-1 flex items-center gap-2 text-sm">
              <input type="radio" name={`${ids}-what`} checked={what === "range"} onChange={() => setWhat("range")} />
              The current range (the explorer's filters{tenant ? `, tenant ${tenant}` : ""})
            </label>
          </fieldset>
          <Field id={`${ids}-target`} label="Target">
            {(p) => (
              <Select
                {...p}
                value={targetValue}
                onChange={(e) => setTargetValue(e.target.value)}
                disabled={replayId !== undefined}
              >
                <option value="">Choose a subscription or the live view…</option>
                <option value={LIVE_VIEW}>Live view (opens the live tail)</option>
                {(subs.data?.items ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.id}){s.tenant ? ` · ${s.tenant}` : ""}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          {subs.error && <ErrorNotice error={subs.error} />}
          <Field
            id={`${ids}-rate`}
            label="Rate (events/s)"
            hint="Empty: the bus's default rate"
            errors={rateProblem ? [rateProblem] : []}
          >
            {(p) => (
              <Input
                {...p}
                inputMode="numeric"
                value={rate}
                onChange={(e) => setRate(e.target.value)}
                disabled={replayId !== undefined}
              />
            )}
          </Field>
          {built && !built.ok && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {built.problem}
            </p>
          )}
          {built?.ok &&
            built.notes.map((n) => (
              <p key={n} className="text-xs text-amber-800 dark:text-amber-300">
                {n}
              </p>
            ))}
          {dryRun.isFetching && count === undefined && <p className="text-sm text-slate-500">Counting (dry run)…</p>}
          {dryRun.error && <ErrorNotice error={dryRun.error} onRetry={() => dryRun.refetch()} />}
          {count !== undefined && input && (
            <p
              className="rounded-md bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800"
              data-testid="replay-dry-run-count"
              data-count={count}
            >
              Dry run: <strong>{formatCount(count)}</strong> {count === 1 ? "event" : "events"} would be replayed to{" "}
              {input.target.type === "stream" ? "the live view" : input.target.id}.
            </p>
          )}
          {start.error && <ErrorNotice error={start.error} />}
          {replayId && <Progress id={replayId} />}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={onClose}>
              {replayId ? "Close" : "Cancel"}
            </Button>
            {!replayId && (
              <Button
                variant="primary"
                disabled={!input || count === undefined || count === 0 || start.isPending || dryRun.isFetching}
                onClick={() => input && start.mutate(input)}
              >
                {start.isPending ? "Starting…" : `Replay ${count === undefined ? "" : formatCount(count)}`.trim()}
              </Button>
            )}
          </div>
        </div>
      )}
    </Dialog>
  );
}
