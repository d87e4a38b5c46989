"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input, Select, Textarea } from "@/components/ui/field";
import { DefinitionList, Panel } from "@/components/ui/panel";
import { isApiError } from "@/lib/api-client";
import { catalog, DOMAINS, getCatalogEntry } from "@/lib/catalog";
import type { PublishResultDto } from "@/lib/contracts/events";
import type { ErrorDetail } from "@/lib/errors";
import { errorsFor, type FieldErrors, groupDetails, otherErrors } from "@/lib/field-errors";
import { eventKeys, publishStructured } from "@/lib/queries/events";
import { TENANT_PARAM } from "@/lib/tenant";
import {
  buildEvent,
  exampleText,
  formFieldOf,
  initialValues,
  newEventId,
  PUBLISH_FIELDS,
  type PublishFormValues,
} from "./publish-model";

const FIRST_TYPE = catalog[0].type;

type Outcome =
  | { kind: "sent"; result: PublishResultDto; event: Record<string, unknown> }
  | { kind: "invalid"; problems: ErrorDetail[]; source: "browser" | "api" }
  | { kind: "failed"; error: unknown };

function ResultPanel({
  outcome,
  onResend,
  resending,
}: {
  outcome: Outcome | undefined;
  onResend: () => void;
  resending: boolean;
}) {
  if (!outcome) {
    return (
      <p className="text-sm text-slate-500">
        The answer appears here: the stream sequence the event was stored at, or what to fix, field by field.
      </p>
    );
  }
  if (outcome.kind === "failed") return <ErrorNotice error={outcome.error} />;
  if (outcome.kind === "invalid") {
    return (
      <div role="alert" data-testid="publish-problems" className="text-sm">
        <p className="font-medium text-red-800 dark:text-red-300">
          {outcome.source === "browser"
            ? `Not sent: ${outcome.problems.length === 1 ? "1 problem" : `${outcome.problems.length} problems`} to fix`
            : "The bus refused the event"}
        </p>
        <ul className="mt-2 space-y-1">
          {outcome.problems.map((p) => (
            <li key={`${p.field}:${p.rule}`} data-testid="publish-problem" data-field={p.field}>
              <span className="font-mono text-xs">{p.field}</span>{" "}
              <span className="text-slate-700 dark:text-slate-300">{p.rule}</span>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const r = outcome.result;
  const tenantQuery = `${TENANT_PARAM}=${encodeURIComponent(r.tenant)}`;
  return (
    <div data-testid="publish-result" className="space-y-3">
      <div className="flex items-center gap-2">
        <p className="text-sm font-medium">{r.duplicate ? "Already stored (duplicate)" : "Stored"}</p>
        <Badge tone={r.duplicate ? "amber" : "green"} data-testid="publish-duplicate" data-duplicate={String(r.duplicate)}>
          duplicate: {String(r.duplicate)}
        </Badge>
      </div>
      <p className="text-3xl font-semibold tabular-nums">
        <span className="text-base font-normal text-slate-500">seq </span>
        <span data-testid="publish-seq">{r.seq}</span>
      </p>
      <DefinitionList
        items={[
          ["id", r.id, "id"],
          ["source", r.source, "source"],
          ["tenant", r.tenant, "tenant"],
          ["stream", r.stream, "stream"],
        ]}
      />
      <div className="flex flex-wrap gap-2">
        <Link
          className="text-sm text-indigo-700 underline dark:text-indigo-300"
          href={`/explorer?${tenantQuery}&fromSeq=${r.seq}`}
        >
          Open in the explorer
        </Link>
        <Button size="sm" onClick={onResend} disabled={resending} title="Same id, source and tenant: the bus stores it once">
          Send the same event again
        </Button>
      </div>
    </div>
  );
}

/**
 * Publish a catalog event: pick a type, edit its example data, send it in structured mode. The
 * data is checked against the catalog in the browser first; the bus's own answer (seq, or the
 * problems by field) is shown next to the form.
 */
export function PublishForm({ tenant }: { tenant: string | undefined }) {
  const ids = useId();
  const qc = useQueryClient();
  const [values, setValues] = useState<PublishFormValues>(() => initialValues(FIRST_TYPE, tenant));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [outcome, setOutcome] = useState<Outcome>();
  const entry = getCatalogEntry(values.type);

  const mutation = useMutation({
    mutationFn: (event: Record<string, unknown>) => publishStructured(event),
    onSuccess: (result, event) => {
      setErrors({});
      setOutcome({ kind: "sent", result, event });
    },
    onError: (error) => {
      if (isApiError(error) && error.details.length > 0) {
        setErrors(groupDetails(error.details, formFieldOf));
        setOutcome({ kind: "invalid", problems: error.details, source: "api" });
      } else {
        setErrors({});
        setOutcome({ kind: "failed", error });
      }
    },
    // the history has a new event
    onSettled: () => qc.invalidateQueries({ queryKey: eventKeys.all }),
  });

  const set = (k: keyof PublishFormValues) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [k]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const built = buildEvent(values, { id: newEventId(), time: new Date().toISOString() });
    if (!built.ok) {
      setErrors(groupDetails(built.problems, formFieldOf));
      setOutcome({ kind: "invalid", problems: built.problems, source: "browser" });
      return;
    }
    setErrors({});
    mutation.mutate(built.event);
  };

  const summary = otherErrors(errors, PUBLISH_FIELDS);

  return (
    <div className="grid grid-cols-[minmax(0,1fr)_22rem] items-start gap-4">
      <Panel className="p-4">
        <form onSubmit={submit} noValidate className="space-y-4" aria-label="Event to publish">
          <Field
            id={`${ids}-type`}
            label="Event type"
            hint={entry ? `${entry.description} Produced by ${entry.service}.` : undefined}
            errors={errorsFor(errors, "type")}
          >
            {(p) => (
              <Select
                {...p}
                value={values.type}
                onChange={(e) => {
                  const next = initialValues(e.target.value, undefined);
                  setValues((v) => ({ ...v, type: next.type, source: next.source, dataText: next.dataText }));
                  setErrors({});
                  setOutcome(undefined);
                }}
              >
                {DOMAINS.map((d) => (
                  <optgroup key={d} label={d}>
                    {catalog
                      .filter((c) => c.domain === d)
                      .map((c) => (
                        <option key={c.type} value={c.type}>
                          {c.type}
                        </option>
                      ))}
                  </optgroup>
                ))}
              </Select>
            )}
          </Field>
          <div className="grid grid-cols-2 gap-4">
            <Field
              id={`${ids}-source`}
              label="Source"
              hint="A URI-reference naming the producer"
              errors={errorsFor(errors, "source")}
            >
              {(p) => <Input {...p} value={values.source} onChange={set("source")} spellCheck={false} />}
            </Field>
            <Field
              id={`${ids}-tenant`}
              label="Tenant"
              hint="The tenantid extension; empty for the default tenant"
              errors={errorsFor(errors, "tenant")}
            >
              {(p) => <Input {...p} value={values.tenant} onChange={set("tenant")} placeholder="default" spellCheck={false} />}
            </Field>
            <Field id={`${ids}-subject`} label="Subject" hint="Optional" errors={errorsFor(errors, "subject")}>
              {(p) => <Input {...p} value={values.subject} onChange={set("subject")} spellCheck={false} />}
            </Field>
            <Field
              id={`${ids}-correlation`}
              label="Correlation id"
              hint="Optional: the correlationid extension"
              errors={errorsFor(errors, "correlationId")}
            >
              {(p) => <Input {...p} value={values.correlationId} onChange={set("correlationId")} spellCheck={false} />}
            </Field>
          </div>
          <Field
            id={`${ids}-data`}
            label="Data (JSON)"
            hint="Checked against the type's schema in the catalog before it is sent"
            errors={errorsFor(errors, "data", true)}
          >
            {(p) => (
              <Textarea
                {...p}
                rows={13}
                value={values.dataText}
                onChange={set("dataText")}
                spellCheck={false}
                className="font-mono text-xs leading-5"
              />
            )}
          </Field>
          {summary.length > 0 && (
            <ul className="space-y-0.5 text-xs text-red-700 dark:text-red-400" data-testid="publish-other-errors">
              {summary.map((d) => (
                <li key={`${d.field}:${d.rule}`}>
                  <span className="font-mono">{d.field}</span> {d.rule}
                </li>
              ))}
            </ul>
          )}
          <div className="flex items-center gap-2">
            <Button type="submit" variant="primary" disabled={mutation.isPending}>
              {mutation.isPending ? "Publishing…" : "Publish"}
            </Button>
            <Button
              variant="ghost"
              disabled={!entry}
              onClick={() => {
                if (entry) setValues((v) => ({ ...v, dataText: exampleText(entry) }));
                setErrors({});
              }}
            >
              Reset data to the example
            </Button>
          </div>
        </form>
      </Panel>
      <Panel className="sticky top-0 p-4" aria-labelledby={`${ids}-result`}>
        <h2 id={`${ids}-result`} className="mb-3 text-base font-medium">
          Answer
        </h2>
        <ResultPanel
          outcome={outcome}
          resending={mutation.isPending}
          onResend={() => {
            if (outcome?.kind === "sent") mutation.mutate(outcome.event);
          }}
        />
      </Panel>
    </div>
  );
}
