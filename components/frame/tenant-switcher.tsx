"use client";

import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/field";
import { tenantRule } from "@/lib/tenant";
import { useTenant } from "./use-tenant";

/**
 * The tenant filter of every page: a tenant id typed in, one of the recent ones, or all tenants.
 * A disclosure (button + panel); Escape or a click outside closes it and focus returns to the button.
 */
export function TenantSwitcher() {
  const { tenant, recent, setTenant } = useTenant();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string>();
  const panelId = useId();
  const inputId = useId();
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    trigger.current?.focus();
  };
  const choose = (t: string | undefined) => {
    setTenant(t);
    close();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = draft.trim();
    const rule = tenantRule(v);
    if (rule) {
      setError(`Tenant id ${rule}`);
      return;
    }
    choose(v);
  };

  return (
    <div ref={root} className="relative">
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="tenant-switcher"
        data-tenant={tenant ?? ""}
        onClick={() => {
          setDraft(tenant ?? "");
          setError(undefined);
          setOpen((o) => !o);
        }}
        className="flex h-9 items-center gap-2 rounded-md border border-slate-300 bg-white px-3 text-sm hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
      >
        <span className="text-slate-500 dark:text-slate-400">Tenant</span>
        <span className="max-w-48 truncate font-medium">{tenant ?? "All tenants"}</span>
        <span aria-hidden className="text-slate-400">
          ▾
        </span>
      </button>
      {open && (
        <section
          id={panelId}
          aria-label="Choose the tenant"
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.stopPropagation();
              close();
            }
          }}
          className="absolute left-0 z-30 mt-1 w-80 rounded-lg border border-slate-200 bg-white p-3 shadow-lg dark:border-slate-700 dark:bg-slate-900"
        >
          <form onSubmit={submit} noValidate>
            <label htmlFor={inputId} className="block text-sm font-medium">
              Tenant id
            </label>
            <div className="mt-1 flex gap-2">
              <Input
                id={inputId}
                autoFocus
                value={draft}
                invalid={error !== undefined}
                aria-describedby={error ? `${inputId}-error` : undefined}
                onChange={(e) => {
                  setDraft(e.target.value);
                  setError(undefined);
                }}
                placeholder="e.g. acme"
                autoComplete="off"
                spellCheck={false}
              />
              <Button type="submit" variant="primary">
                Apply
              </Button>
            </div>
            {error && (
              <p id={`${inputId}-error`} className="mt-1 text-xs text-red-700 dark:text-red-400">
                {error}
              </p>
            )}
          </form>
          <div className="mt-3 border-t border-slate-200 pt-2 dark:border-slate-800">
            <button
              type="button"
              onClick={() => choose(undefined)}
              aria-current={tenant === undefined ? "true" : undefined}
              className="w-full rounded px-2 py-1.5 text-left text-sm hover:bg-slate-100 aria-[current]:font-semibold dark:hover:bg-slate-800"
            >
              All tenants
            </button>
            {recent.length > 0 && (
              <>
                <p className="mt-2 px-2 text-xs font-medium tracking-wide text-slate-500 uppercase">Recent</p>
                <ul>
                  {recent.map((t) => (
                    <li key={t}>
                      <button
                        type="button"
                        onClick={() => choose(t)}
                        aria-current={tenant === t ? "true" : undefined}
                        className="w-full truncate rounded px-2 py-1.5 text-left font-mono text-sm hover:bg-slate-100 aria-[current]:font-semibold dark:hover:bg-slate-800"
                      >
                        {t}
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        </section>
      )}
    </div>
  );
}
