"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useId, useMemo, useState } from "react";
import { RateSparkline } from "@/components/charts/rate-sparkline";
import { EventInspector } from "@/components/events/event-inspector";
import { JobProgress } from "@/components/jobs/job-progress";
import { replayProgress } from "@/components/jobs/progress";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cx } from "@/components/ui/cx";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { formatClock, formatCount, formatRate, previewData } from "@/lib/format";
import { replayApi, replayQuery } from "@/lib/queries/replays";
import { hrefWithTenant } from "@/lib/tenant";
import { applyClientFilters, type ClientFilters, type LiveRow, parseAttributeMatch, typePatternRule } from "./filters";
import { type StreamStatus, useLiveStream } from "./use-live-stream";
import { VirtualList } from "./virtual-list";

/** Rows kept in the browser; older ones leave the view. */
export const LIVE_CAPACITY = 5000;
const ROW_HEIGHT = 48;

const STATUS_TEXT: Record<StreamStatus["state"], string> = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  error: "Stopped",
  ended: "Replay finished",
};

/** Reading a replay instead of live events: its progress, cancel, and the way back to live events. */
function ReplayBanner({ id, tenant }: { id: string; tenant: string | undefined }) {
  const q = useQuery(replayQuery(id));
  const cancel = useMutation({ mutationFn: () => replayApi.cancel(id) });
  const p = q.data && replayProgress(q.data);
  return (
    <Panel className="p-3" data-testid="replay-banner">
      <div className="flex items-start justify-between gap-4">
        <div className="min-w-0 flex-1">
          <JobProgress
            title={`Replay ${id} into this view`}
            testId="replay-progress"
            progress={p}
            error={q.error ?? undefined}
            onCancel={() => cancel.mutate()}
            cancelling={cancel.isPending}
            cancelError={cancel.error ?? undefined}
          />
        </div>
        <Link
          className="shrink-0 pt-0.5 text-sm text-indigo-700 underline dark:text-indigo-300"
          href={hrefWithTenant("/live", tenant)}
        >
          Back to live events
        </Link>
      </div>
    </Panel>
  );
}

function StatusDot({ status, paused }: { status: StreamStatus; paused: boolean }) {
  const color =
    status.state === "open"
      ? paused
        ? "bg-amber-500"
        : "bg-emerald-500"
      : status.state === "error"
        ? "bg-red-500"
        : status.state === "ended"
          ? "bg-sky-500"
          : "bg-slate-400";
  return (
    <span className="flex items-center gap-2 text-sm" data-testid="stream-status" data-state={status.state} role="status">
      <span
        aria-hidden
        className={cx("h-2.5 w-2.5 rounded-full", color, status.state === "open" && !paused && "animate-pulse")}
      />
      {paused && status.state === "open" ? "Paused" : STATUS_TEXT[status.state]}
    </span>
  );
}

function Row({ row, selected, onSelect }: { row: LiveRow; selected: boolean; onSelect: () => void }) {
  const e = row.event;
  const tenant = typeof e.tenantid === "string" ? e.tenantid : undefined;
  return (
    <button
      type="button"
      onClick={onSelect}
      aria-pressed={selected}
      data-testid="live-row"
      data-seq={row.seq}
      data-event-id={e.id}
      data-tenant={tenant ?? ""}
      className={cx(
        "grid h-full w-full grid-cols-[5.75rem_minmax(0,1fr)_auto] items-center gap-x-3 border-b border-slate-100 px-3 text-left focus-visible:-outline-offset-2 dark:border-slate-800/70",
        selected ? "bg-indigo-50 dark:bg-indigo-950/60" : "hover:bg-slate-50 dark:hover:bg-slate-800/50",
      )}
    >
      <span className="font-mono text-xs leading-4 text-slate-500 dark:text-slate-400">
        {formatClock(row.receivedAt)}
        <span className="block">#{row.seq}</span>
      </span>
      <span className="min-w-0 leading-4">
        <span className="block truncate text-sm font-medium">{e.type}</span>
        <span className="block truncate font-mono text-xs text-slate-500 dark:text-slate-400">
          {previewData(e.data, e.data_base64) || "—"}
        </span>
      </span>
      <span className="flex max-w-40 flex-col items-end gap-0.5 leading-4">
        {tenant && <Badge className="max-w-full truncate">{tenant}</Badge>}
        {e.subject && <span className="max-w-full truncate text-xs text-slate-500">{e.subject}</span>}
      </span>
    </button>
  );
}

/**
 * The live tail: events as they are stored, filtered by the server (tenant, type, subject) and in
 * the browser (an attribute, text in the data); pause without losing events; an inspector.
 */
export function LiveTail({
  tenant,
  type,
  subject,
  replay,
  urlProblems,
  onServerFilters,
}: {
  tenant: string | undefined;
  type: string | undefined;
  subject: string | undefined;
  /** A replay (stream target) to read instead of live events. */
  replay?: string;
  /** Problems with the filters read from the URL. */
  urlProblems: Record<string, string>;
  onServerFilters: (f: { type?: string; subject?: string }) => void;
}) {
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [selected, setSelected] = useState<LiveRow>();
  const [attr, setAttr] = useState("");
  const [text, setText] = useState("");
  const [typeDraft, setTypeDraft] = useState(type ?? "");
  const [subjectDraft, setSubjectDraft] = useState(subject ?? "");
  const [typeError, setTypeError] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const ids = useId();

  const stream = useLiveStream(replay !== undefined ? { replay } : { tenant, type, subject }, {
    capacity: LIVE_CAPACITY,
    paused,
    generation: attempt,
  });
  const attribute = useMemo(() => parseAttributeMatch(attr), [attr]);
  const attrError = attribute && "error" in attribute ? attribute.error : undefined;
  const clientFilters: ClientFilters = useMemo(
    () => ({ attribute: attribute && !("error" in attribute) ? attribute : undefined, text }),
    [attribute, text],
  );
  const rows = useMemo(() => applyClientFilters(stream.rows, clientFilters), [stream.rows, clientFilters]);
  const activeIndex = selected ? rows.findIndex((r) => r.seq === selected.seq) : -1;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const t = typeDraft.trim();
    const rule = t === "" ? undefined : typePatternRule(t);
    setTypeError(rule);
    if (rule) return;
    setSelected(undefined);
    setFollow(true);
    onServerFilters({ type: t || undefined, subject: subjectDraft.trim() || undefined });
  };

  const status = stream.status;
  const filtered = rows.length !== stream.rows.length;

  return (
    <div className="flex h-full min-h-0 flex-col gap-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Live tail</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {replay !== undefined
              ? `Replay ${replay}: the replayed range, in stream order.`
              : `Events as they are stored${tenant ? ` for tenant ${tenant}` : " for all tenants"}.`}{" "}
            The last {formatCount(LIVE_CAPACITY)} are kept.
          </p>
        </div>
        <div className="flex items-center gap-4">
          <StatusDot status={status} paused={paused} />
          <div className="flex items-center gap-2">
            <span className="text-sm tabular-nums" data-testid="live-rate">
              <span className="font-semibold">{formatRate(stream.rate)}</span> events/s
            </span>
            <RateSparkline values={stream.rateHistory} className="w-32 rounded bg-slate-100 dark:bg-slate-800/60" height={32} />
          </div>
          <Button variant={paused ? "primary" : "secondary"} onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
            {paused ? "Resume" : "Pause"}
          </Button>
          <Button
            variant="ghost"
            onClick={() => {
              stream.clear();
              setSelected(undefined);
            }}
          >
            Clear
          </Button>
        </div>
      </div>

      {replay !== undefined && <ReplayBanner id={replay} tenant={tenant} />}

      <Panel className="p-3">
        <form
          onSubmit={apply}
          aria-label="Filters"
          className="grid grid-cols-[1fr_1fr_auto_1fr_1fr] items-start gap-3"
          noValidate
        >
          <Field id={`${ids}-type`} label="Type pattern" errors={[typeError ?? urlProblems.type].filter((x): x is string => !!x)}>
            {(p) => (
              <Input
                {...p}
                value={typeDraft}
                onChange={(e) => setTypeDraft(e.target.value)}
                placeholder="com.anumate.capsule.>"
                spellCheck={false}
              />
            )}
          </Field>
          <Field id={`${ids}-subject`} label="Subject">
            {(p) => (
              <Input
                {...p}
                value={subjectDraft}
                onChange={(e) => setSubjectDraft(e.target.value)}
                placeholder="exact subject"
                spellCheck={false}
              />
            )}
          </Field>
          <div className="pt-6">
            <Button
              type="submit"
              variant="primary"
              title={replay !== undefined ? "Applying server filters leaves the replay for live events" : undefined}
            >
              Apply
            </Button>
          </div>
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
        </form>
      </Panel>

      {status.state === "error" && <ErrorNotice error={status.error} onRetry={() => setAttempt((a) => a + 1)} />}
      {status.state === "reconnecting" && status.error !== undefined && (
        <ErrorNotice error={status.error} testId="stream-retrying" />
      )}
      {stream.notice && (
        <p
          role="status"
          className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/50 dark:text-amber-200"
        >
          {stream.notice}
        </p>
      )}

      {paused && (
        <div
          data-testid="paused-banner"
          data-pending={stream.pendingWhilePaused}
          className="flex items-center justify-between rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/50 dark:text-amber-200"
        >
          <span aria-live="polite">
            Paused: <strong>{formatCount(stream.pendingWhilePaused)}</strong> new{" "}
            {stream.pendingWhilePaused === 1 ? "event" : "events"}
            {stream.pendingWhilePaused > LIVE_CAPACITY &&
              ` (only the last ${formatCount(LIVE_CAPACITY)} are kept; ${formatCount(stream.pendingWhilePaused - LIVE_CAPACITY)} will not be shown)`}
          </span>
          <Button size="sm" variant="primary" onClick={() => setPaused(false)}>
            Resume
          </Button>
        </div>
      )}

      <div className="flex min-h-0 flex-1 gap-3">
        <Panel className="flex min-h-0 min-w-0 flex-1 flex-col overflow-hidden">
          <div className="flex items-center justify-between border-b border-slate-200 px-3 py-1.5 text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400">
            <span data-testid="live-counts">
              {filtered
                ? `${formatCount(rows.length)} of ${formatCount(stream.rows.length)} shown (browser filters)`
                : `${formatCount(stream.rows.length)} shown`}
              {stream.evicted > 0 && ` · ${formatCount(stream.evicted)} older dropped`}
            </span>
            {!follow && rows.length > 0 && (
              <Button size="sm" variant="ghost" onClick={() => setFollow(true)}>
                Jump to latest ↓
              </Button>
            )}
          </div>
          {rows.length === 0 ? (
            <div className="grid flex-1 place-items-center p-6">
              {stream.rows.length > 0 ? (
                <EmptyState title="No event matches the browser filters">
                  {formatCount(stream.rows.length)} received; clear "Attribute equals" or "Text in data" to see them.
                </EmptyState>
              ) : (
                <EmptyState
                  testId="live-empty"
                  title={
                    status.state === "open"
                      ? "Waiting for events…"
                      : status.state === "ended"
                        ? "The replay ended"
                        : "Not connected yet"
                  }
                  action={
                    <Link
                      className="text-sm text-indigo-700 underline dark:text-indigo-300"
                      href={hrefWithTenant("/publish", tenant)}
                    >
                      Publish an event
                    </Link>
                  }
                >
                  New events matching the filters appear here as they are stored.
                </EmptyState>
              )}
            </div>
          ) : (
            <VirtualList
              testId="live-list"
              label="Live events"
              className="flex-1"
              items={rows}
              rowHeight={ROW_HEIGHT}
              getKey={(r) => String(r.seq)}
              follow={follow}
              onFollowChange={setFollow}
              activeIndex={activeIndex}
              onActivate={(i) => setSelected(rows[i])}
              renderRow={(r) => <Row row={r} selected={r.seq === selected?.seq} onSelect={() => setSelected(r)} />}
            />
          )}
        </Panel>
        <Panel className="flex min-h-0 w-[24rem] shrink-0 flex-col overflow-hidden" aria-label="Inspector">
          {selected ? (
            <EventInspector seq={selected.seq} event={selected.event} onClose={() => setSelected(undefined)} />
          ) : (
            <div className="grid flex-1 place-items-center p-6 text-center text-sm text-slate-500">
              Select an event to see its attributes, extensions and data.
            </div>
          )}
        </Panel>
      </div>
    </div>
  );
}
