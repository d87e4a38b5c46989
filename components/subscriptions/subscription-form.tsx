"use client";

import { type FormEvent, type ReactNode, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, type FieldControlProps, Input, Select, Textarea } from "@/components/ui/field";
import { isApiError } from "@/lib/api-client";
import type { ErrorDetail } from "@/lib/errors";
import { errorsFor, type FieldErrors, groupDetails, otherErrors } from "@/lib/field-errors";
import type { StartAtType, SubscriptionFormValues, TargetType } from "./form-model";

/** Fields with a control of their own; other problems are listed above the buttons. */
const SHOWN = [
  "name",
  "tenant",
  "types",
  "filters",
  "queueGroup",
  "target",
  "retry",
  "startAt",
  "maxInFlight",
  "circuit",
] as const;

function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-3 border-t border-slate-200 pt-3 dark:border-slate-800">
      <legend className="pr-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">{legend}</legend>
      {children}
    </fieldset>
  );
}

/**
 * Create or edit a subscription. `submit` returns the problems the browser finds (the shared zod
 * schema) or sends the request; the API's `details` come back through `apiError` and land on the
 * same fields.
 */
export function SubscriptionForm({
  mode,
  initial,
  onSubmit,
  onCancel,
  pending,
  apiError,
}: {
  mode: "create" | "edit";
  initial: SubscriptionFormValues;
  /** Returns the browser-side problems, or sends the request and returns none. */
  onSubmit: (values: SubscriptionFormValues) => ErrorDetail[];
  onCancel: () => void;
  pending: boolean;
  apiError: unknown;
}) {
  const ids = useId();
  const [v, setV] = useState(initial);
  const [clientProblems, setClientProblems] = useState<ErrorDetail[]>([]);
  const apiDetails = isApiError(apiError) ? apiError.details : [];
  const errors: FieldErrors = groupDetails(clientProblems.length > 0 ? clientProblems : apiDetails);
  const editing = mode === "edit";

  const set =
    <K extends keyof SubscriptionFormValues>(k: K) =>
    (e: { target: { value: string } }) =>
      setV((old) => ({ ...old, [k]: e.target.value as SubscriptionFormValues[K] }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setClientProblems(onSubmit(v));
  };

  const text = (
    key: keyof SubscriptionFormValues,
    field: string,
    label: string,
    opts: { hint?: string; placeholder?: string; disabled?: boolean; inputMode?: "numeric" | "decimal" } = {},
  ) => (
    <Field id={`${ids}-${key}`} label={label} hint={opts.hint} errors={errorsFor(errors, field, true)}>
      {(p: FieldControlProps) => (
        <Input
          {...p}
          name={key}
          value={v[key]}
          onChange={set(key)}
          placeholder={opts.placeholder}
          disabled={opts.disabled}
          inputMode={opts.inputMode}
          spellCheck={false}
          autoComplete="off"
        />
      )}
    </Field>
  );

  const others = otherErrors(errors, SHOWN);

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={editing ? "Edit subscription" : "New subscription"}>
      <div className="grid grid-cols-2 gap-3">
        {text("name", "name", "Name", {
          hint: editing ? "A subscription's name cannot change" : "Unique per tenant: letters, digits, _ and -",
          disabled: editing,
          placeholder: "billing-webhook",
        })}
        {text("tenant", "tenant", "Tenant", {
          hint: editing ? "A subscription's tenant cannot change" : "Empty: events of every tenant",
          disabled: editing,
          placeholder: "all tenants",
        })}
      </div>
      <Field
        id={`${ids}-types`}
        label="Event types"
        hint="One pattern per line: exact, a.b.* (one more token) or a.b.> (any more); empty for every type"
        errors={errorsFor(errors, "types", true)}
      >
        {(p) => (
          <Textarea
            {...p}
            name="types"
            rows={2}
            value={v.types}
            onChange={set("types")}
            placeholder="com.anumate.capsule.>"
            spellCheck={false}
            className="font-mono text-xs"
          />
        )}
      </Field>

      <Fieldset legend="Target">
        <div className="flex gap-4" role="radiogroup" aria-label="Target type">
          {(["push", "websocket", "internal"] as const satisfies readonly TargetType[]).map((t) => (
            <label key={t} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name={`${ids}-target`}
                value={t}
                checked={v.targetType === t}
                onChange={() => setV((old) => ({ ...old, targetType: t }))}
                className="accent-indigo-600"
              />
              {t === "push" ? "HTTP push" : t === "websocket" ? "WebSocket" : "Internal"}
            </label>
          ))}
        </div>
        {errorsFor(errors, "target").length > 0 && (
          <p className="text-xs text-red-700 dark:text-red-400">{errorsFor(errors, "target").join("; ")}</p>
        )}
        {v.targetType === "push" ? (
          <div className="grid grid-cols-[1fr_10rem] gap-3">
            {text("url", "target.url", "URL", { placeholder: "https://example.com/hooks/events" })}
            {text("timeoutMs", "target.timeoutMs", "Timeout (ms)", { placeholder: "10000", inputMode: "numeric" })}
          </div>
        ) : (
          <p className="text-xs text-slate-500">
            {v.targetType === "websocket"
              ? "Clients receive the events over /api/ws by subscribing to this subscription's id."
              : "In-process handlers of the bus's services attach to this subscription."}
          </p>
        )}
      </Fieldset>

      <Fieldset legend="Delivery">
        <div className="grid grid-cols-3 gap-3">
          {text("maxAttempts", "retry.maxAttempts", "Max attempts", { placeholder: "server default", inputMode: "numeric" })}
          {text("initialDelayMs", "retry.initialDelayMs", "First retry after (ms)", {
            placeholder: "1000",
            inputMode: "numeric",
          })}
          {text("multiplier", "retry.multiplier", "Backoff multiplier", { placeholder: "2", inputMode: "decimal" })}
          {text("maxDelayMs", "retry.maxDelayMs", "Max delay (ms)", { placeholder: "60000", inputMode: "numeric" })}
          {text("jitter", "retry.jitter", "Jitter (0–1)", { placeholder: "0.2", inputMode: "decimal" })}
          {text("ackWaitMs", "retry.ackWaitMs", "Ack wait (ms)", { placeholder: "30000", inputMode: "numeric" })}
          {text("maxInFlight", "maxInFlight", "Max in flight", { placeholder: "100", inputMode: "numeric" })}
          {text("queueGroup", "queueGroup", "Queue group", { placeholder: "the name" })}
        </div>
        {errorsFor(errors, "retry").length > 0 && (
          <p className="text-xs text-red-700 dark:text-red-400">{errorsFor(errors, "retry").join("; ")}</p>
        )}
        <div className="grid grid-cols-3 gap-3">
          <Field
            id={`${ids}-startAt`}
            label="Start at"
            hint={editing ? "Fixed once created" : undefined}
            errors={errorsFor(errors, "startAt")}
          >
            {(p) => (
              <Select
                {...p}
                value={v.startAt}
                disabled={editing}
                onChange={(e) => setV((old) => ({ ...old, startAt: e.target.value as StartAtType }))}
              >
                <option value="new">New events</option>
                <option value="all">All stored events</option>
                <option value="time">A time</option>
                <option value="sequence">A sequence</option>
              </Select>
            )}
          </Field>
          {(v.startAt === "time" || v.startAt === "sequence") &&
            text("startValue", "startAt.value", v.startAt === "time" ? "From time (RFC 3339)" : "From sequence", {
              disabled: editing,
              placeholder: v.startAt === "time" ? "2025-03-14T09:26:53Z" : "1",
            })}
        </div>
      </Fieldset>

      <Fieldset legend="Attribute filters (optional)">
        <Field
          id={`${ids}-filters`}
          label="Filters (JSON)"
          hint='Knative dialect, e.g. [{"exact": {"subject": "orders"}}]'
          errors={errorsFor(errors, "filters", true)}
        >
          {(p) => (
            <Textarea
              {...p}
              name="filters"
              rows={3}
              value={v.filters}
              onChange={set("filters")}
              spellCheck={false}
              className="font-mono text-xs"
            />
          )}
        </Field>
      </Fieldset>

      {others.length > 0 && (
        <ul className="space-y-0.5 text-xs text-red-700 dark:text-red-400" data-testid="form-other-errors">
          {others.map((d) => (
            <li key={`${d.field}:${d.rule}`}>
              <span className="font-mono">{d.field}</span> {d.rule}
            </li>
          ))}
        </ul>
      )}
      {apiError !== undefined && apiError !== null && clientProblems.length === 0 && <ErrorNotice error={apiError} />}

      {/* the buttons stay in view while the form scrolls */}
      <div className="sticky -bottom-4 -mx-5 flex justify-end gap-2 border-t border-slate-200 bg-white px-5 py-3 dark:border-slate-800 dark:bg-slate-900">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Saving…" : editing ? "Save changes" : "Create subscription"}
        </Button>
      </div>
    </form>
  );
}
