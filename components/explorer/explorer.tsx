"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useMemo, useState } from "react";
import { EventInspector } from "@/components/events/event-inspector";
import { applyClientFilters, parseAttributeMatch, toLiveRow, typePatternRule } from "@/components/live/filters";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cx } from "@/components/ui/cx";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input, Select } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import type { StoredEventDto } from "@/lib/contracts/events";
import { formatCount, formatTimestamp } from "@/lib/format";
import { historyQuery } from "@/lib/queries/events";
import { DEFAULT_PAGE_SIZE, type ExplorerSearch, fromLocalInput, PAGE_SIZES, toLocalInput } from "./draft";
import { ReplayDialog } from "./replay-dialog";

/** The page sizes offered, with the current one when it came from the URL and is not among them. */
function pageSizes(current: number | undefined): number[] {
  const sizes: number[] = [...PAGE_SIZES];
  if (current !== undefined && !sizes.includes(current)) sizes.push(current);
  return sizes.sort((a, b) => a - b);
}

interface Draft {
  type: string;
  subject: string;
  from: string;
  to: string;
  fromSeq: string;
  limit: string;
}

function draftOf(s: ExplorerSearch): Draft {
  return {
    type: s.type ?? "",
    subject: s.subject ?? "",
    from: toLocalInput(s.from),
    to: toLocalInput(s.to),
    fromSeq: s.fromSeq?.toString() ?? "",
    limit: String(s.limit ?? DEFAULT_PAGE_SIZE),
  };
}

/** History: stored events in stream order with the same filters as the live tail, a page at a time. */
export function Explorer({
  tenant,
  search,
  urlProblems,
  onSearch,
}: {
  tenant: string | undefined;
  search: ExplorerSearch;
  urlProblems: Record<string, string>;
  onSearch: (s: ExplorerSearch) => void;
}) {
  const ids = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(search));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<StoredEventDto>();
  // events checked for "Replay to…", by seq
  const [checked, setChecked] = useState<ReadonlyMap<number, StoredEventDto>>(new Map());
  const [replaying, setReplaying] = useState(false);
  const toggleChecked = (it: StoredEventDto) =>
    setChecked((m) => {
      const next = new Map(m);
      if (next.has(it.seq)) next.delete(it.seq);
      else next.set(it.seq, it);
      return next;
    });
  const filters = useMemo(() => ({ ...search, tenant, limit: search.limit ?? DEFAULT_PAGE_SIZE }), [search, tenant]);
  const q = useInfiniteQuery(historyQuery(filters));
  const items = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  // browser-side filters over what is loaded, as in the live tail
  const [attr, setAttr] = useState("");
  const [text, setText] = useState("");
  const attribute = useMemo(() => parseAttributeMatch(attr), [attr]);
  const attrError = attribute && "error" in attribute ? attribute.error : undefined;
  const bySeq = useMemo(() => new Map(items.map((it) => [it.seq, it])), [items]);
  const rows = useMemo(() => items.map((it) => toLiveRow(it.seq, it.event, 0)), [items]);
  const shown = useMemo(() => {
    const kept = applyClientFilters(rows, { attribute: attribute && !("error" in attribute) ? attribute : undefined, text });
    return kept === rows ? items : kept.map((r) => bySeq.get(r.seq) as StoredEventDto);
  }, [rows, items, bySeq, attribute, text]);
  const allProblems = { ...urlProblems, ...problems };

  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p: Record<string, string> = {};
    const next: ExplorerSearch = {};
    const type = draft.type.trim();
    if (type) {
      const rule = typePatternRule(type);
      if (rule) p.type = rule;
      else next.type = type;
    }
    if (draft.subject.trim()) next.subject = draft.subject.trim();
    for (const k of ["from", "to"] as const) {
      if (!draft[k]) continue;
      const iso = fromLocalInput(draft[k]);
      if (iso) next[k] = iso;
      else p[k] = "must be a date and time";
    }
    if (next.from && next.to && next.from > next.to) p.to = "must not be before from";
    if (draft.fromSeq.trim()) {
      const n = Number(draft.fromSeq);
      if (Number.isSafeInteger(n) && n >= 1) next.fromSeq = n;
      else p.fromSeq = "must be a whole number >= 1";
    }
    next.limit = Number(draft.limit) || DEFAULT_PAGE_SIZE;
    setProblems(p);
    if (Object.keys(p).length > 0) return;
    setSelected(undefined);
    onSearch(next);
  };

  const errs = (k: string) => (allProblems[k] ? [allProblems[k] as string] : []);
  const lastPage = q.data?.pages.at(-1);

  return (
    <div className="flex h-full min-h-0 flex-col gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Explorer</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Stored events{tenant ? ` of tenant ${tenant}` : " of all tenants"}, in stream order (oldest first).
        </p>
      </div>

      <Panel className="p-3">
        <form
          onSubmit={submit}
          noValidate
          className="grid grid-cols-[minmax(0,1.3fr)_minmax(0,1fr)_13.5rem_13.5rem_6rem_5.5rem_auto] items-start gap-3"
        >
          <Field id={`${ids}-type`} label="Type pattern" errors={errs("type")}>
            {(p) => (
              <Input {...p} value={draft.type} onChange={set("type")} placeholder="com.anumate.capsule.*" spellCheck={false} />
            )}
          </Field>
          <Field id={`${ids}-subject`} label="Subject" errors={errs("subject")}>
            {(p) => (
              <Input {...p} value={draft.subject} onChange={set("subject")} placeholder="exact subject" spellCheck={false} />
            )}
          </Field>
          <Field id={`${ids}-from`} label="From" errors={errs("from")}>
            {(p) => <Input {...p} type="datetime-local" step={1} value={draft.from} onChange={set("from")} />}
          </Field>
          <Field id={`${ids}-to`} label="To" errors={errs("to")}>
            {(p) => <Input {...p} type="datetime-local" step={1} value={draft.to} onChange={set("to")} />}
          </Field>
          <Field id={`${ids}-seq`} label="From seq" errors={errs("fromSeq")}>
            {(p) => <Input {...p} inputMode="numeric" value={draft.fromSeq} onChange={set("fromSeq")} placeholder="1" />}
          </Field>
          <Field id={`${ids}-limit`} label="Page" errors={errs("limit")}>
            {(p) => (
              <Select {...p} value={draft.limit} onChange={set("limit")}>
                {pageSizes(search.limit).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <div className="flex gap-2 pt-6">
            <Button type="submit" variant="primary">
              Search
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setDraft(draftOf({}));
                setProblems({});
                onSearch({});
              }}
            >
              Reset
            </Button>
          </div>
        </form>
        <div className="mt-2 grid grid-cols-[minmax(0,1.3fr)_minmax(0,1fr)_1fr] items-start gap-3 border-t border-slate-100 pt-2 dark:border-slate-800">
          <Field id={`${ids}-attr`} label="Attribute equals" errors={attrError ? [attrError] : []}>
            {(p) => (
              <Input
                {...p}
                value={attr}
                onChange={(e) => setAttr(e.target.value)}
                placeholder="correlationid=abc-123"
                spellCheck={false}
              />
            )}
          </Field>
          <Field id={`${ids}-text`} label="Text in data">
            {(p) => <Input {...p} type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="invoice" />}
          </Field>
          <p className="pt-7 text-xs text-slate-500 dark:text-slate-400">These two filter the loaded events in the browser.</p>
        </div>
      </Panel>

      <div className="flex min-h-0 flex-1 gap-3">
        <Panel className="flex min-h-0 min-w-0 flex-1 flex-col overflow-hidden">
          {q.isError && !q.data ? (
            <div className="p-4">
              <ErrorNotice error={q.error} onRetry={() => q.refetch()} />
            </div>
          ) : q.isPending ? (
            <p className="p-4 text-sm text-slate-500">Loading history…</p>
          ) : items.length === 0 && !q.hasNextPage ? (
            <div className="p-4">
              <EmptyState testId="explorer-empty" title="No stored event matches">
                Widen the filters, or choose another tenant.
              </EmptyState>
            </div>
          ) : (
            <div className="min-h-0 flex-1 overflow-auto">
              <table className="w-full table-fixed text-left text-sm" data-testid="explorer-table">
                <caption className="sr-only">Stored events</caption>
                <thead className="sticky top-0 z-10 bg-slate-50 text-xs text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                  <tr>
                    <th scope="col" className="w-9 px-3 py-2">
                      <input
                        type="checkbox"
                        aria-label="Select every event shown"
                        checked={shown.length > 0 && shown.every((it) => checked.has(it.seq))}
                        onChange={(e) =>
                          setChecked((m) => {
                            const next = new Map(m);
                            for (const it of shown) {
                              if (e.target.checked) next.set(it.seq, it);
                              else next.delete(it.seq);
                            }
                            return next;
                          })
                        }
                      />
                    </th>
                    <th scope="col" className="w-16 px-3 py-2 font-medium">
                      Seq
                    </th>
                    <th scope="col" className="w-40 px-3 py-2 font-medium">
                      Stored at
                    </th>
                    <th scope="col" className="px-3 py-2 font-medium">
                      Type
                    </th>
                    <th scope="col" className="w-32 px-3 py-2 font-medium">
                      Subject
                    </th>
                    <th scope="col" className="w-28 px-3 py-2 font-medium">
                      Tenant
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((it) => {
                    const isSelected = selected?.seq === it.seq;
                    return (
                      <tr
                        key={it.seq}
                        data-testid="explorer-row"
                        data-seq={it.seq}
                        data-event-id={it.event.id}
                        className={cx(
                          "border-t border-slate-100 dark:border-slate-800",
                          isSelected ? "bg-indigo-50 dark:bg-indigo-950/60" : "hover:bg-slate-50 dark:hover:bg-slate-800/50",
                        )}
                      >
                        <td className="px-3 py-1.5">
                          <input
                            type="checkbox"
                            aria-label={`Select event ${it.seq}`}
                            checked={checked.has(it.seq)}
                            onChange={() => toggleChecked(it)}
                          />
                        </td>
                        <td className="px-3 py-1.5 font-mono text-xs">{it.seq}</td>
                        <td className="px-3 py-1.5 font-mono text-xs whitespace-nowrap" title={it.storedAt}>
                          {formatTimestamp(it.storedAt, { ms: false })}
                        </td>
                        <td className="px-3 py-1.5">
                          <button
                            type="button"
                            aria-pressed={isSelected}
                            onClick={() => setSelected(it)}
                            className="block w-full truncate rounded-sm text-left font-medium text-indigo-700 hover:underline focus-visible:-outline-offset-2 dark:text-indigo-300"
                            title={`${it.event.type} (${it.event.id})`}
                          >
                            {it.event.type}
                          </button>
                        </td>
                        <td className="truncate px-3 py-1.5 text-xs" title={it.event.subject}>
                          {it.event.subject ?? "–"}
                        </td>
                        <td className="px-3 py-1.5">
                          <Badge className="max-w-full truncate">{it.tenant ?? "–"}</Badge>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <div className="flex items-center justify-between gap-3 border-t border-slate-200 px-3 py-2 text-xs text-slate-500 dark:border-slate-800">
                <span className="flex items-center gap-3">
                  <span data-testid="explorer-count">
                    {shown.length === items.length
                      ? `${formatCount(items.length)} loaded`
                      : `${formatCount(shown.length)} of ${formatCount(items.length)} loaded shown`}
                    {checked.size > 0 && ` · ${formatCount(checked.size)} selected`}
                  </span>
                  <Button size="sm" onClick={() => setReplaying(true)}>
                    Replay to…
                  </Button>
                </span>
                {q.isFetchNextPageError && <ErrorNotice error={q.error} onRetry={() => q.fetchNextPage()} />}
                {q.hasNextPage ? (
                  <Button size="sm" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
                    {q.isFetchingNextPage ? "Loading…" : "Load more"}
                  </Button>
                ) : (
                  <span>End of history</span>
                )}
              </div>
              {items.length === 0 && lastPage && (
                <p className="px-3 pb-3 text-sm text-slate-500">
                  Nothing matched in the part of the stream read so far; Load more continues the search.
                </p>
              )}
            </div>
          )}
        </Panel>
        <Panel className="flex min-h-0 w-[24rem] shrink-0 flex-col overflow-hidden" aria-label="Inspector">
          {selected ? (
            <EventInspector
              seq={selected.seq}
              event={selected.event}
              storedAt={selected.storedAt}
              tenant={selected.tenant}
              onClose={() => setSelected(undefined)}
            />
          ) : (
            <div className="grid flex-1 place-items-center p-6 text-center text-sm text-slate-500">
              Select an event to see its attributes, extensions and data.
            </div>
          )}
        </Panel>
      </div>
      {replaying && (
        <ReplayDialog
          open
          onClose={() => setReplaying(false)}
          tenant={tenant}
          selected={[...checked.values()]}
          range={{ kind: "range", search, attribute: attribute && !("error" in attribute) ? attribute : undefined, text }}
        />
      )}
    </div>
  );
}
