import type { HTMLAttributes, ReactNode } from "react";
import { cx } from "./cx";

/** A bordered surface. */
export function Panel({ className, ...rest }: HTMLAttributes<HTMLElement>) {
  return (
    <section
      className={cx("rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900", className)}
      {...rest}
    />
  );
}

/** The page's title (the one `h1`), what it is for, and its main actions. */
export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{description}</p>}
      </div>
      {actions && <div className="flex items-center gap-2">{actions}</div>}
    </div>
  );
}

/** Label/value pairs. */
export function DefinitionList({
  items,
  className,
}: {
  items: [label: ReactNode, value: ReactNode, key: string][];
  className?: string;
}) {
  return (
    <dl className={cx("grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm", className)}>
      {items.map(([label, value, key]) => (
        <div key={key} className="contents">
          <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
          <dd className="min-w-0 font-mono text-xs leading-5 break-all">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
