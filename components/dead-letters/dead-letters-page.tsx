"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cx } from "@/components/ui/cx";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input, Select } from "@/components/ui/field";
import { PageHeader, Panel } from "@/components/ui/panel";
import type { DeadLetterDto } from "@/lib/contracts/dead-letters";
import { formatClock, formatCount, formatTimestamp } from "@/lib/format";
import {
  type BulkTarget,
  type DeadLetterFilter,
  deadLetterApi,
  deadLetterKeys,
  deadLettersQuery,
} from "@/lib/queries/dead-letters";
import { subscriptionsQuery } from "@/lib/queries/subscriptions";
import { BulkDialog } from "./bulk-dialog";
import { DeadLetterDetail } from "./dead-letter-detail";
import {
  type BulkAction,
  type DeadLetterDraft,
  emptyDraft,
  parseDraft,
  pruneSelection,
  REASON_TONES,
  toggle,
  toggleAll,
} from "./model";

type Notice = { tone: "ok" | "error"; text: string } | undefined;

const clock = (iso: string) => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatClock(ms).slice(0, 8);
};

/** First and last failure and the dead-lettering, as clock times (the full time on hover). */
function Times({ d }: { d: DeadLetterDto }) {
  const rows: [string, string][] = [
    ["first failed", d.firstFailedAt],
    ["last failed", d.lastFailedAt],
    ["dead-lettered", d.deadLetteredAt],
  ];
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-2 text-[11px] leading-4 text-slate-600 dark:text-slate-400">
      {rows.map(([label, at]) => (
        <div key={label} className="contents" title={`${label} ${formatTimestamp(at)}`}>
          <dt>{label}</dt>
          <dd className="font-mono">{clock(at)}</dd>
        </div>
      ))}
      <dt className="sr-only">date</dt>
      <dd className="col-span-2 font-mono text-slate-500">{formatTimestamp(d.deadLetteredAt).slice(0, 10)}</dd>
    </dl>
  );
}

/**
 * Dead letters: filters (the switcher's tenant, type pattern, subscription, text, time), the total
 * matching, inspect one, requeue or discard one, the selected ones, or all matching (dry run first,
 * then the job's progress with cancel).
 */
export function DeadLettersPage({ tenant }: { tenant: string | undefined }) {
  const ids = useId();
  const qc = useQueryClient();
  const [draft, setDraft] = useState<DeadLetterDraft>(emptyDraft);
  const [applied, setApplied] = useState<DeadLetterDraft>(emptyDraft);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const parsed = parseDraft(applied, tenant);
  const filter: DeadLetterFilter = parsed.ok ? parsed.filter : tenant ? { tenant } : {};
  const q = useInfiniteQuery(deadLettersQuery(filter));
  const subs = useQuery(subscriptionsQuery());
  const items = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  const total = q.data?.pages.at(-1)?.total ?? q.data?.pages[0]?.total;
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [inspecting, setInspecting] = useState<string>();
  const [discarding, setDiscarding] = useState<DeadLetterDto>();
  const [bulk, setBulk] = useState<{ action: BulkAction; target: BulkTarget }>();
  const [notice, setNotice] = useState<Notice>();
  const shownIds = useMemo(() => items.map((d) => d.id), [items]);

  // entries requeued or discarded meanwhile leave the selection
  useEffect(() => setSelected((s) => pruneSelection(s, shownIds)), [shownIds]);

  const invalidate = () => qc.invalidateQueries({ queryKey: deadLetterKeys.all });
  const requeue = useMutation({
    mutationFn: (d: DeadLetterDto) => deadLetterApi.requeue(d.id),
    onSuccess: (r) => setNotice({ tone: "ok", text: `Dead letter ${r.id} requeued to ${r.subscription}.` }),
    onSettled: invalidate,
  });
  const discard = useMutation({
    mutationFn: (d: DeadLetterDto) => deadLetterApi.discard(d.id),
    onSuccess: (_r, d) => {
      setDiscarding(undefined);
      setNotice({ tone: "ok", text: `Dead letter ${d.id} discarded.` });
    },
    onSettled: invalidate,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = parseDraft(draft, tenant);
    setProblems(r.ok ? {} : r.problems);
    if (!r.ok) return;
    setSelected(new Set());
    setApplied(draft);
  };
  const errs = (k: string) => (problems[k] ? [problems[k] as string] : []);
  const set = (k: keyof DeadLetterDraft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));
  const allShownSelected = shownIds.length > 0 && shownIds.every((id) => selected.has(id));
  const selectedIds = [...selected];

  return (
    <div>
      <PageHeader
        title="Dead letters"
        description={`Events a subscription could not deliver${tenant ? ` (tenant ${tenant})` : ""}: inspect them, requeue them to their subscription once it is fixed, or discard them.`}
      />
      <Panel className="mb-3 p-3">
        <form
          onSubmit={submit}
          noValidate
          aria-label="Dead-letter filters"
          className="grid grid-cols-[minmax(0,1.2fr)_minmax(0,1fr)_minmax(0,1fr)_12.5rem_12.5rem_auto] items-start gap-3"
        >
          <Field id={`${ids}-type`} label="Type pattern" errors={errs("type")}>
            {(p) => <Input {...p} value={draft.type} onChange={set("type")} placeholder="com.anumate.>" spellCheck={false} />}
          </Field>
          <Field id={`${ids}-sub`} label="Subscription" errors={errs("subscription")}>
            {(p) => (
              <Select {...p} value={draft.subscription} onChange={set("subscription")}>
                <option value="">All subscriptions</option>
                {(subs.data?.items ?? []).map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.id})
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field id={`${ids}-q`} label="Text" errors={errs("q")}>
            {(p) => <Input {...p} type="search" value={draft.q} onChange={set("q")} placeholder="error, event id or subject" />}
          </Field>
          <Field id={`${ids}-from`} label="Dead-lettered from" errors={errs("from")}>
            {(p) => <Input {...p} type="datetime-local" step={1} value={draft.from} onChange={set("from")} />}
          </Field>
          <Field id={`${ids}-to`} label="Dead-lettered to" errors={errs("to")}>
            {(p) => <Input {...p} type="datetime-local" step={1} value={draft.to} onChange={set("to")} />}
          </Field>
          <div className="flex gap-2 pt-6">
            <Button type="submit" variant="primary">
              Search
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setDraft(emptyDraft);
                setApplied(emptyDraft);
                setProblems({});
              }}
            >
              Reset
            </Button>
          </div>
        </form>
      </Panel>

      {notice && (
        <p
          role="status"
          data-testid="dead-letter-notice"
          className={cx(
            "mb-3 rounded-md px-3 py-2 text-sm",
            notice.tone === "ok"
              ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200"
              : "bg-red-50 text-red-900",
          )}
        >
          {notice.text}
        </p>
      )}
      {requeue.error && <ErrorNotice className="mb-3" error={requeue.error} />}

      <Panel className="overflow-hidden">
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
          <p className="text-sm" data-testid="dead-letter-total" data-total={total ?? ""}>
            {total === undefined ? (
              "…"
            ) : (
              <>
                <strong>{formatCount(total)}</strong> {total === 1 ? "dead letter matches" : "dead letters match"}
                {selected.size > 0 && <span className="text-slate-500"> · {formatCount(selected.size)} selected</span>}
              </>
            )}
          </p>
          <div className="flex flex-wrap gap-2">
            <Button
              size="sm"
              disabled={selected.size === 0}
              onClick={() => setBulk({ action: "requeue", target: { ids: selectedIds } })}
            >
              Requeue selected
            </Button>
            <Button
              size="sm"
              disabled={selected.size === 0}
              onClick={() => setBulk({ action: "discard", target: { ids: selectedIds } })}
            >
              Discard selected
            </Button>
            <Button size="sm" disabled={!total} onClick={() => setBulk({ action: "requeue", target: { filter } })}>
              Requeue all matching
            </Button>
            <Button
              size="sm"
              variant="ghost"
              className="text-red-700 dark:text-red-400"
              disabled={!total}
              onClick={() => setBulk({ action: "discard", target: { filter } })}
            >
              Discard all matching
            </Button>
          </div>
        </div>
        {q.isError && !q.data ? (
          <div className="p-4">
            <ErrorNotice error={q.error} onRetry={() => q.refetch()} />
          </div>
        ) : q.isPending ? (
          <p className="p-4 text-sm text-slate-500">Loading dead letters…</p>
        ) : items.length === 0 ? (
          <div className="p-4">
            <EmptyState testId="dead-letters-empty" title="No dead letter matches">
              Every event was delivered{tenant ? ` for tenant ${tenant}` : ""}, or the filters exclude the rest.
            </EmptyState>
          </div>
        ) : (
          <div className="overflow-x-auto">
            {q.isError && <ErrorNotice className="m-3" error={q.error} onRetry={() => q.refetch()} />}
            <table className="w-full min-w-[62rem] table-fixed text-left text-sm" data-testid="dead-letters-table">
              <caption className="sr-only">Dead letters</caption>
              <thead className="bg-slate-50 text-xs text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                <tr>
                  <th scope="col" className="w-9 px-3 py-2">
                    <input
                      type="checkbox"
                      aria-label="Select every dead letter shown"
                      checked={allShownSelected}
                      onChange={() => setSelected((s) => toggleAll(s, shownIds))}
                    />
                  </th>
                  <th scope="col" className="w-[21%] px-2 py-2 font-medium">
                    Event
                  </th>
                  <th scope="col" className="w-[12%] px-2 py-2 font-medium">
                    Subscription
                  </th>
                  <th scope="col" className="w-[9%] px-2 py-2 font-medium">
                    Reason
                  </th>
                  <th scope="col" className="w-[6%] px-2 py-2 text-right font-medium">
                    Attempts
                  </th>
                  <th scope="col" className="w-[18%] px-2 py-2 font-medium">
                    Last error
                  </th>
                  <th scope="col" className="w-[14%] px-2 py-2 font-medium">
                    Times
                  </th>
                  <th scope="col" className="w-[17%] px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => {
                  const busy =
                    (requeue.isPending && requeue.variables?.id === d.id) ||
                    (discard.isPending && discard.variables?.id === d.id);
                  return (
                    <tr
                      key={d.id}
                      data-testid="dead-letter-row"
                      data-id={d.id}
                      data-event-id={d.event.id}
                      className={cx(
                        "border-t border-slate-100 align-top dark:border-slate-800",
                        selected.has(d.id) && "bg-indigo-50/60 dark:bg-indigo-950/40",
                      )}
                    >
                      <td className="px-3 py-2">
                        <input
                          type="checkbox"
                          aria-label={`Select dead letter ${d.id}`}
                          checked={selected.has(d.id)}
                          onChange={() => setSelected((s) => toggle(s, d.id))}
                        />
                      </td>
                      <td className="px-2 py-2">
                        <span className="block truncate font-medium" title={d.event.type}>
                          {d.event.type}
                        </span>
                        <span className="block truncate font-mono text-xs text-slate-500" title={d.event.id}>
                          {d.event.id}
                        </span>
                        <span className="block text-xs text-slate-500">
                          <Badge className="mr-1">{d.tenant}</Badge>seq {d.originalSeq}
                        </span>
                      </td>
                      <td className="truncate px-2 py-2 font-mono text-xs" title={d.subscription}>
                        {d.subscription}
                      </td>
                      <td className="px-2 py-2">
                        <Badge tone={REASON_TONES[d.reason] ?? "slate"}>{d.reason}</Badge>
                      </td>
                      <td className="px-2 py-2 text-right font-mono text-xs tabular-nums">{d.attempts}</td>
                      <td className="px-2 py-2 text-xs" data-testid="dead-letter-error">
                        {d.lastError ? (
                          <span className="line-clamp-3 text-red-700 dark:text-red-400" title={d.lastError.message}>
                            {d.lastError.status !== undefined && <span className="font-mono">{d.lastError.status} </span>}
                            {d.lastError.message}
                          </span>
                        ) : (
                          <span className="text-slate-400">none</span>
                        )}
                      </td>
                      <td className="px-2 py-2">
                        <Times d={d} />
                      </td>
                      <td className="px-3 py-2">
                        <div className="flex flex-wrap justify-end gap-1">
                          <Button size="sm" variant="ghost" onClick={() => setInspecting(d.id)} aria-label={`Inspect ${d.id}`}>
                            Inspect
                          </Button>
                          <Button
                            size="sm"
                            disabled={busy}
                            onClick={() => {
                              setNotice(undefined);
                              requeue.mutate(d);
                            }}
                            aria-label={`Requeue ${d.id}`}
                          >
                            Requeue
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            className="text-red-700 dark:text-red-400"
                            disabled={busy}
                            onClick={() => {
                              discard.reset();
                              setDiscarding(d);
                            }}
                            aria-label={`Discard ${d.id}`}
                          >
                            Discard
                          </Button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-xs text-slate-500 dark:border-slate-800">
              <span data-testid="dead-letter-count">
                {formatCount(items.length)} of {formatCount(total ?? items.length)} shown
              </span>
              {q.hasNextPage ? (
                <Button size="sm" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
                  {q.isFetchingNextPage ? "Loading…" : "Load more"}
                </Button>
              ) : (
                <span>All shown</span>
              )}
            </div>
          </div>
        )}
      </Panel>

      <Dialog
        open={inspecting !== undefined}
        onClose={() => setInspecting(undefined)}
        title={`Dead letter ${inspecting ?? ""}`}
        testId="dead-letter-dialog"
        className="max-w-3xl"
      >
        {inspecting && <DeadLetterDetail id={inspecting} />}
      </Dialog>

      <Dialog
        open={discarding !== undefined}
        onClose={() => setDiscarding(undefined)}
        title="Discard dead letter?"
        testId="discard-dialog"
        className="max-w-md"
      >
        {discarding && (
          <div className="space-y-4">
            <p className="text-sm">
              Discard dead letter <span className="font-mono">{discarding.id}</span> ({discarding.event.type})? It is deleted for
              good; the event stays in the event stream (seq {discarding.originalSeq}) and can still be replayed.
            </p>
            {discard.error && <ErrorNotice error={discard.error} />}
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => setDiscarding(undefined)}>
                Cancel
              </Button>
              <Button variant="danger" disabled={discard.isPending} onClick={() => discard.mutate(discarding)}>
                {discard.isPending ? "Discarding…" : "Discard"}
              </Button>
            </div>
          </div>
        )}
      </Dialog>

      <BulkDialog
        action={bulk?.action ?? "requeue"}
        target={bulk?.target}
        onClose={() => {
          setBulk(undefined);
          void invalidate();
        }}
      />
    </div>
  );
}
