import type { ReactNode } from "react";
import { cx } from "./cx";

/** What a view shows when there is nothing (yet): never confused with an error, which has its own notice. */
export function EmptyState({
  title,
  children,
  action,
  className,
  testId,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <div
      data-testid={testId}
      className={cx(
        "flex flex-col items-center justify-center rounded-lg border border-dashed border-slate-300 px-6 py-10 text-center dark:border-slate-700",
        className,
      )}
    >
      <p className="font-medium text-slate-800 dark:text-slate-200">{title}</p>
      {children && <div className="mt-1 max-w-prose text-sm text-slate-600 dark:text-slate-400">{children}</div>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}
