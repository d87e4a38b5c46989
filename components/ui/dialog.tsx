"use client";

import { type ReactNode, useEffect, useId, useRef } from "react";
import { cx } from "./cx";

/**
 * A modal dialog on the native `<dialog>` element: focus moves in and is trapped, Escape closes,
 * focus returns to the opener. `onClose` is called for Escape and the backdrop too.
 */
export function Dialog({
  open,
  onClose,
  title,
  children,
  className,
  testId,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the backdrop click has a keyboard twin, Escape (the dialog's cancel event)
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // a click on the backdrop (the dialog element itself, outside its content) closes it
        if (e.target === ref.current) onClose();
      }}
      className={cx(
        "m-auto max-h-[90vh] w-full max-w-2xl overflow-hidden rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100",
        className,
      )}
    >
      {open && (
        <div className="flex max-h-[90vh] flex-col">
          <h2 id={titleId} className="border-b border-slate-200 px-5 py-3 text-lg font-medium dark:border-slate-800">
            {title}
          </h2>
          <div className="overflow-y-auto px-5 py-4">{children}</div>
        </div>
      )}
    </dialog>
  );
}
