"use client";

import { describeError } from "@/lib/error-text";
import { Button } from "./button";
import { cx } from "./cx";

/**
 * An error from the API or the console, titled by its code (never by its message), with the
 * API's message and field details. Shown instead of data: an error is never an empty list.
 */
export function ErrorNotice({
  error,
  onRetry,
  className,
  testId = "error-notice",
}: {
  error: unknown;
  onRetry?: () => void;
  className?: string;
  testId?: string;
}) {
  const e = describeError(error);
  return (
    <div
      role="alert"
      data-testid={testId}
      data-code={e.code}
      className={cx(
        "rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200",
        className,
      )}
    >
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-medium">
            {e.title} <span className="font-mono text-xs opacity-70">{e.code}</span>
          </p>
          <p className="mt-0.5 break-words">{e.message}</p>
          {e.details.length > 0 && (
            <ul className="mt-1 list-disc pl-5">
              {e.details.map((d) => (
                <li key={`${d.index ?? ""}:${d.field}:${d.rule}`}>
                  {d.index !== undefined && <span className="font-mono">[{d.index}] </span>}
                  <span className="font-mono">{d.field}</span> {d.rule}
                </li>
              ))}
            </ul>
          )}
        </div>
        {onRetry && (e.retryable || e.code === "CLIENT") && (
          <Button size="sm" onClick={onRetry}>
            Retry
          </Button>
        )}
      </div>
    </div>
  );
}
