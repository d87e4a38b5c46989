"use client";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/error-notice";
import { type Progress, progressView } from "./progress";

/**
 * A job's progress bar with its state, and "Cancel" while it runs. The caller polls the job
 * (`GET /api/jobs/{id}` or `/api/replays/{id}`) and passes what it read.
 */
export function JobProgress({
  title,
  progress,
  error,
  onCancel,
  cancelling,
  cancelError,
  testId = "job-progress",
}: {
  title: string;
  progress: Progress | undefined;
  /** Reading the job failed. */
  error?: unknown;
  onCancel: () => void;
  cancelling: boolean;
  cancelError?: unknown;
  testId?: string;
}) {
  const v = progress ? progressView(progress) : undefined;
  return (
    <div className="space-y-2" data-testid={testId} data-state={progress?.state ?? "loading"}>
      <div className="flex items-center justify-between gap-2 text-sm">
        <span className="font-medium">{title}</span>
        {progress && v && (
          <Badge tone={v.tone} data-testid={`${testId}-state`}>
            {progress.state}
          </Badge>
        )}
      </div>
      <div
        role="progressbar"
        aria-label={title}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={v?.percent ?? 0}
        className="h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
      >
        <div
          className={`h-full transition-[width] ${progress?.state === "failed" ? "bg-red-500" : "bg-indigo-500"}`}
          style={{ width: `${v?.percent ?? 0}%` }}
        />
      </div>
      <div className="flex items-center justify-between gap-2 text-xs text-slate-600 dark:text-slate-400">
        <span data-testid={`${testId}-summary`}>{v ? v.summary : "Starting…"}</span>
        {v && !v.terminal && (
          <Button size="sm" variant="ghost" className="text-red-700 dark:text-red-400" onClick={onCancel} disabled={cancelling}>
            {cancelling ? "Cancelling…" : "Cancel"}
          </Button>
        )}
      </div>
      {progress?.error && <p className="text-xs text-red-700 dark:text-red-400">{progress.error}</p>}
      {error !== undefined && error !== null && <ErrorNotice error={error} />}
      {cancelError !== undefined && cancelError !== null && <ErrorNotice error={cancelError} />}
    </div>
  );
}
