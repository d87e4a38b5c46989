"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { JobProgress } from "@/components/jobs/job-progress";
import { isTerminal } from "@/components/jobs/progress";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ErrorNotice } from "@/components/ui/error-notice";
import { formatCount } from "@/lib/format";
import { type BulkTarget, deadLetterApi, deadLetterKeys, jobQuery } from "@/lib/queries/dead-letters";
import { type BulkAction, describeTarget } from "./model";

const VERB: Record<BulkAction, { label: string; done: string }> = {
  requeue: { label: "Requeue", done: "requeued" },
  discard: { label: "Discard", done: "discarded" },
};

function Job({ id, action, onEnd }: { id: string; action: BulkAction; onEnd: () => void }) {
  const job = useQuery(jobQuery(id));
  const cancel = useMutation({ mutationFn: () => deadLetterApi.cancelJob(id) });
  const state = job.data?.state;
  const ended = useRef(false);
  useEffect(() => {
    // once: the list is read again when the job has ended
    if (state && isTerminal(state) && !ended.current) {
      ended.current = true;
      onEnd();
    }
  }, [state, onEnd]);
  return (
    <JobProgress
      title={`${VERB[action].label} job ${id}`}
      progress={job.data}
      error={job.error ?? undefined}
      onCancel={() => cancel.mutate()}
      cancelling={cancel.isPending}
      cancelError={cancel.error ?? undefined}
    />
  );
}

/**
 * Requeue or discard many dead letters: the dry-run count first, then on confirmation the job's
 * progress (`GET /api/jobs/{id}`) with cancel.
 */
export function BulkDialog({
  action,
  target,
  onClose,
}: {
  action: BulkAction;
  target: BulkTarget | undefined;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const [jobId, setJobId] = useState<string>();
  const dryRun = useMutation({ mutationFn: (t: BulkTarget) => deadLetterApi.bulk(action, t, true) });
  const start = useMutation({
    mutationFn: (t: BulkTarget) => deadLetterApi.bulk(action, t, false),
    onSuccess: (r) => {
      if ("jobId" in r) setJobId(r.jobId);
    },
  });
  // count first, every time the dialog opens on a target
  const { mutate: count, reset: resetCount } = dryRun;
  const { reset: resetStart } = start;
  useEffect(() => {
    setJobId(undefined);
    resetStart();
    resetCount();
    if (target) count(target);
  }, [target, count, resetCount, resetStart]);

  const onEnd = () => void qc.invalidateQueries({ queryKey: deadLetterKeys.all });
  const counted = dryRun.data?.count;
  const verb = VERB[action];
  return (
    <Dialog
      open={target !== undefined}
      onClose={onClose}
      title={`${verb.label} dead letters`}
      testId="bulk-dialog"
      className="max-w-lg"
    >
      {target && (
        <div className="space-y-4">
          <p className="text-sm">
            {verb.label} {describeTarget(target)}.{" "}
            {action === "requeue"
              ? "Each goes back to the subscription that dead-lettered it, and only to it."
              : "Discarded dead letters are deleted for good."}
          </p>
          {dryRun.isPending && <p className="text-sm text-slate-500">Counting (dry run)…</p>}
          {dryRun.error && <ErrorNotice error={dryRun.error} onRetry={() => count(target)} />}
          {counted !== undefined && (
            <p
              className="rounded-md bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800"
              data-testid="dry-run-count"
              data-count={counted}
            >
              Dry run: <strong>{formatCount(counted)}</strong> {counted === 1 ? "dead letter" : "dead letters"} will be{" "}
              {verb.done}.
            </p>
          )}
          {start.error && <ErrorNotice error={start.error} />}
          {jobId ? (
            <Job id={jobId} action={action} onEnd={onEnd} />
          ) : start.data && !("jobId" in start.data) ? (
            <p className="text-sm">Nothing to do.</p>
          ) : null}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={onClose}>
              {jobId ? "Close" : "Cancel"}
            </Button>
            {!jobId && (
              <Button
                variant={action === "discard" ? "danger" : "primary"}
                disabled={counted === undefined || counted === 0 || start.isPending}
                onClick={() => start.mutate(target)}
              >
                {start.isPending ? "Starting…" : `${verb.label} ${counted === undefined ? "" : formatCount(counted)}`.trim()}
              </Button>
            )}
          </div>
        </div>
      )}
    </Dialog>
  );
}
