import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import { cx } from "./cx";

const control =
  "block w-full rounded-md border bg-white px-2.5 text-sm text-slate-900 placeholder:text-slate-400 disabled:bg-slate-100 disabled:text-slate-500 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-500 dark:disabled:bg-slate-800";
const border = (invalid: boolean | undefined) =>
  invalid ? "border-red-500 dark:border-red-500" : "border-slate-300 dark:border-slate-700";

type Invalid = { invalid?: boolean };

export function Input({ invalid, className, ...rest }: InputHTMLAttributes<HTMLInputElement> & Invalid) {
  return <input aria-invalid={invalid || undefined} className={cx(control, border(invalid), "h-9", className)} {...rest} />;
}

export function Textarea({ invalid, className, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement> & Invalid) {
  return <textarea aria-invalid={invalid || undefined} className={cx(control, border(invalid), "py-2", className)} {...rest} />;
}

export function Select({ invalid, className, ...rest }: SelectHTMLAttributes<HTMLSelectElement> & Invalid) {
  return <select aria-invalid={invalid || undefined} className={cx(control, border(invalid), "h-9 pr-8", className)} {...rest} />;
}

/** What a control needs to be tied to its label, hint and errors. */
export interface FieldControlProps {
  id: string;
  invalid: boolean;
  "aria-describedby"?: string;
}

/**
 * A labelled control with an optional hint and its errors (from the browser's checks or the API's
 * `details`), announced to screen readers through `aria-describedby`.
 */
export function Field({
  id,
  label,
  hint,
  errors = [],
  className,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  errors?: readonly string[];
  className?: string;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors.length > 0 ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cx("space-y-1", className)} data-field={id}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
        {label}
      </label>
      {children({ id, invalid: errors.length > 0, "aria-describedby": describedBy })}
      {hint && (
        <p id={hintId} className="text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      )}
      {errorId && (
        <ul id={errorId} className="space-y-0.5 text-xs text-red-700 dark:text-red-400" data-testid={`error-${id}`}>
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
