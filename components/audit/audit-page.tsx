"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input } from "@/components/ui/field";
import { PageHeader, Panel } from "@/components/ui/panel";
import { AUDIT_ACTIONS } from "@/lib/contracts/audit";
import { formatCount, formatTimestamp } from "@/lib/format";
import { auditQuery } from "@/lib/queries/audit";
import { type AuditDraft, detailsLine, emptyAuditDraft, parseAuditDraft } from "./model";

const RESULT_TONE = { ok: "green", refused: "amber", failed: "red" } as const;

/** The audit trail (`GET /api/audit`): filters by actor, action and time, the switcher's tenant, a page at a time. */
export function AuditPage({ tenant }: { tenant: string | undefined }) {
  const ids = useId();
  const [draft, setDraft] = useState<AuditDraft>(emptyAuditDraft);
  const [applied, setApplied] = useState<AuditDraft>(emptyAuditDraft);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const parsed = parseAuditDraft(applied, tenant);
  const filter = parsed.ok ? parsed.filter : {};
  const q = useInfiniteQuery(auditQuery(filter));
  const items = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = parseAuditDraft(draft, tenant);
    setProblems(r.ok ? {} : r.problems);
    if (r.ok) setApplied(draft);
  };
  const set = (k: keyof AuditDraft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const errs = (k: string) => (problems[k] ? [problems[k] as string] : []);
  return (
    <div>
      <PageHeader
        title="Audit"
        description={`Who changed what, and when: keys, sessions, subscriptions, replays, requeues and discards${tenant ? ` (records about tenant ${tenant})` : ""}. Nothing here can be changed or deleted.`}
      />
      <Panel className="mb-3 p-3">
        <form
          onSubmit={submit}
          noValidate
          aria-label="Audit filters"
          className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)_12.5rem_12.5rem_auto] items-start gap-3"
        >
          <Field id={`${ids}-actor`} label="Actor" errors={errs("actor")} hint="exact, e.g. admin or key:…">
            {(p) => <Input {...p} value={draft.actor} onChange={set("actor")} placeholder="admin" spellCheck={false} />}
          </Field>
          <Field id={`${ids}-action`} label="Action" errors={errs("action")}>
            {(p) => (
              <>
                <Input
                  {...p}
                  list={`${ids}-actions`}
                  value={draft.action}
                  onChange={set("action")}
                  placeholder="dead-letter.requeue"
                  spellCheck={false}
                />
                <datalist id={`${ids}-actions`}>
                  {AUDIT_ACTIONS.map((a) => (
                    <option key={a} value={a} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field id={`${ids}-from`} label="From" errors={errs("from")}>
            {(p) => <Input {...p} type="datetime-local" step={1} value={draft.from} onChange={set("from")} />}
          </Field>
          <Field id={`${ids}-to`} label="To" errors={errs("to")}>
            {(p) => <Input {...p} type="datetime-local" step={1} value={draft.to} onChange={set("to")} />}
          </Field>
          <div className="flex gap-2 pt-6">
            <Button type="submit" variant="primary">
              Search
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setDraft(emptyAuditDraft);
                setApplied(emptyAuditDraft);
                setProblems({});
              }}
            >
              Reset
            </Button>
          </div>
        </form>
      </Panel>
      <Panel className="overflow-hidden">
        {q.isError && !q.data ? (
          <div className="p-4">
            <ErrorNotice error={q.error} onRetry={() => q.refetch()} />
          </div>
        ) : q.isPending ? (
          <p className="p-4 text-sm text-slate-500">Loading the audit trail…</p>
        ) : items.length === 0 && !q.hasNextPage ? (
          <div className="p-4">
            <EmptyState testId="audit-empty" title="No audit record matches">
              Widen the filters, or choose another tenant.
            </EmptyState>
          </div>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[64rem] table-fixed text-left text-sm" data-testid="audit-table">
              <caption className="sr-only">Audit records</caption>
              <thead className="bg-slate-50 text-xs text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                <tr>
                  <th scope="col" className="w-[13%] px-3 py-2 font-medium">
                    At
                  </th>
                  <th scope="col" className="w-[12%] px-2 py-2 font-medium">
                    Actor
                  </th>
                  <th scope="col" className="w-[17%] px-2 py-2 font-medium">
                    Action
                  </th>
                  <th scope="col" className="w-[14%] px-2 py-2 font-medium">
                    Target
                  </th>
                  <th scope="col" className="w-[7%] px-2 py-2 font-medium">
                    Result
                  </th>
                  <th scope="col" className="w-[10%] px-2 py-2 font-medium">
                    Tenant
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Details
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr
                    key={r.id}
                    data-testid="audit-row"
                    data-action={r.action}
                    data-target={r.target}
                    className="border-t border-slate-100 align-top dark:border-slate-800"
                  >
                    <td className="px-3 py-1.5 font-mono text-xs whitespace-nowrap" title={r.at}>
                      {formatTimestamp(r.at, { ms: false })}
                    </td>
                    <td className="truncate px-2 py-1.5 font-mono text-xs" title={r.actor}>
                      {r.actor}
                    </td>
                    <td className="truncate px-2 py-1.5 text-xs font-medium" title={r.action}>
                      {r.action}
                    </td>
                    <td className="truncate px-2 py-1.5 font-mono text-xs" title={r.target}>
                      {r.target}
                    </td>
                    <td className="px-2 py-1.5">
                      <Badge tone={RESULT_TONE[r.result as keyof typeof RESULT_TONE] ?? "slate"}>{r.result}</Badge>
                    </td>
                    <td className="truncate px-2 py-1.5 text-xs">{r.tenant ?? <span className="text-slate-400">–</span>}</td>
                    <td className="px-3 py-1.5 font-mono text-xs break-all text-slate-600 dark:text-slate-400">
                      {detailsLine(r.details)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-xs text-slate-500 dark:border-slate-800">
              <span data-testid="audit-count">{formatCount(items.length)} shown</span>
              {q.isFetchNextPageError && <ErrorNotice error={q.error} onRetry={() => q.fetchNextPage()} />}
              {q.hasNextPage ? (
                <Button size="sm" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
                  {q.isFetchingNextPage ? "Loading…" : "Load more"}
                </Button>
              ) : (
                <span>End of the trail</span>
              )}
            </div>
          </div>
        )}
      </Panel>
    </div>
  );
}
