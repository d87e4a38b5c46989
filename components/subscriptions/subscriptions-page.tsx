"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { PageHeader, Panel } from "@/components/ui/panel";
import type { SubscriptionDto, SubscriptionInput } from "@/lib/contracts/subscriptions";
import type { ErrorDetail } from "@/lib/errors";
import { formatCount, formatTimestamp } from "@/lib/format";
import { type SubscriptionPatch, subscriptionApi, subscriptionKeys, subscriptionsQuery } from "@/lib/queries/subscriptions";
import { emptyForm, formFromSubscription, toCreateInput, toPatch } from "./form-model";
import { SubscriptionDetails } from "./subscription-details";
import { SubscriptionForm } from "./subscription-form";
import { visibleForTenant } from "./visibility";

const circuitTone: Record<string, Tone> = { closed: "green", "half-open": "amber", open: "red" };

function Num({ value, label, testId }: { value: number | undefined; label: string; testId: string }) {
  return (
    <td className="px-2 py-2 text-right font-mono text-xs tabular-nums" data-testid={testId} aria-label={label}>
      {value === undefined ? "–" : formatCount(value)}
    </td>
  );
}

function TargetCell({ s }: { s: SubscriptionDto }) {
  if (s.target.type !== "push") return <Badge tone="blue">{s.target.type}</Badge>;
  return (
    <span className="block min-w-0">
      <Badge tone="blue">push</Badge>
      <span className="mt-0.5 block truncate font-mono text-xs text-slate-600 dark:text-slate-400" title={s.target.url}>
        {s.target.url}
      </span>
    </span>
  );
}

type Editing = { mode: "create" } | { mode: "edit"; sub: SubscriptionDto } | undefined;

/**
 * Subscriptions with live stats (lag, acknowledgements, redeliveries, members, circuit, last
 * error): create, edit, pause, resume and delete. Every mutation invalidates the list.
 */
export function SubscriptionsPage({ tenant }: { tenant: string | undefined }) {
  const qc = useQueryClient();
  const list = useQuery(subscriptionsQuery());
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<SubscriptionDto>();
  const [detailsId, setDetailsId] = useState<string>();
  const invalidate = () => qc.invalidateQueries({ queryKey: subscriptionKeys.all });

  const save = useMutation({
    mutationFn: (req: { kind: "create"; input: SubscriptionInput } | { kind: "edit"; id: string; patch: SubscriptionPatch }) =>
      req.kind === "create" ? subscriptionApi.create(req.input) : subscriptionApi.update(req.id, req.patch),
    onSuccess: () => setEditing(undefined),
    onSettled: invalidate,
  });
  const toggle = useMutation({
    mutationFn: (s: SubscriptionDto) => (s.state === "active" ? subscriptionApi.pause(s.id) : subscriptionApi.resume(s.id)),
    onSettled: invalidate,
  });
  const remove = useMutation({
    mutationFn: (s: SubscriptionDto) => subscriptionApi.remove(s.id),
    onSuccess: () => setDeleting(undefined),
    onSettled: invalidate,
  });

  const openForm = (e: Editing) => {
    save.reset();
    setEditing(e);
  };

  const submit = (values: Parameters<typeof toCreateInput>[0]): ErrorDetail[] => {
    if (editing?.mode === "edit") {
      const built = toPatch(values);
      if (!built.ok) return built.problems;
      save.mutate({ kind: "edit", id: editing.sub.id, patch: built.value });
      return [];
    }
    const built = toCreateInput(values);
    if (!built.ok) return built.problems;
    save.mutate({ kind: "create", input: built.value });
    return [];
  };

  const all = list.data?.items ?? [];
  const shown = visibleForTenant(all, tenant);
  const hidden = all.length - shown.length;
  const actionError = toggle.error;

  return (
    <div>
      <PageHeader
        title="Subscriptions"
        description={`Durable consumers of the event stream${tenant ? ` that receive tenant ${tenant}'s events` : ""}, with their delivery stats (refreshed every 5 s).`}
        actions={
          <Button variant="primary" onClick={() => openForm({ mode: "create" })}>
            New subscription
          </Button>
        }
      />
      {actionError && <ErrorNotice className="mb-3" error={actionError} onRetry={() => toggle.reset()} />}
      <Panel className="overflow-hidden">
        {list.isPending ? (
          <p className="p-4 text-sm text-slate-500">Loading subscriptions…</p>
        ) : list.isError ? (
          <div className="p-4">
            <ErrorNotice error={list.error} onRetry={() => list.refetch()} />
          </div>
        ) : shown.length === 0 ? (
          <div className="p-4">
            <EmptyState
              testId="subscriptions-empty"
              title={hidden > 0 ? `No subscription for tenant ${tenant}` : "No subscriptions yet"}
              action={
                <Button variant="primary" onClick={() => openForm({ mode: "create" })}>
                  New subscription
                </Button>
              }
            >
              {hidden > 0
                ? `${hidden} other ${hidden === 1 ? "subscription belongs" : "subscriptions belong"} to other tenants.`
                : "A subscription delivers matching events to an HTTP endpoint, WebSocket clients or in-process handlers."}
            </EmptyState>
          </div>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[64rem] table-fixed text-left text-sm" data-testid="subscriptions-table">
              <caption className="sr-only">Subscriptions and their delivery stats</caption>
              <thead className="bg-slate-50 text-xs text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                <tr>
                  <th scope="col" className="w-[13%] px-3 py-2 font-medium">
                    Subscription
                  </th>
                  <th scope="col" className="w-[14%] px-2 py-2 font-medium">
                    Target
                  </th>
                  <th scope="col" className="w-[7%] px-2 py-2 font-medium">
                    State
                  </th>
                  <th scope="col" className="w-[6%] px-2 py-2 text-right font-medium" title="Events not yet delivered (lag)">
                    Lag
                  </th>
                  <th scope="col" className="w-[6%] px-2 py-2 text-right font-medium" title="Delivered, not yet acknowledged">
                    Ack pend.
                  </th>
                  <th scope="col" className="w-[6%] px-2 py-2 text-right font-medium">
                    Redeliv.
                  </th>
                  <th scope="col" className="w-[7%] px-2 py-2 text-right font-medium">
                    Delivered
                  </th>
                  <th scope="col" className="w-[6%] px-2 py-2 text-right font-medium">
                    Members
                  </th>
                  <th scope="col" className="w-[8%] px-2 py-2 font-medium">
                    Circuit
                  </th>
                  <th scope="col" className="w-[10%] px-2 py-2 font-medium">
                    Last error
                  </th>
                  <th scope="col" className="w-[17%] px-3 py-2 text-right font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((s) => {
                  const busy =
                    (toggle.isPending && toggle.variables?.id === s.id) || (remove.isPending && remove.variables?.id === s.id);
                  return (
                    <tr
                      key={s.id}
                      data-testid="subscription-row"
                      data-name={s.name}
                      data-id={s.id}
                      className="border-t border-slate-100 align-top dark:border-slate-800"
                    >
                      <td className="px-3 py-2">
                        <span className="block truncate font-medium" title={s.name}>
                          {s.name}
                        </span>
                        <span className="block truncate font-mono text-xs text-slate-500" title={s.id}>
                          {s.id}
                        </span>
                        <span className="block truncate text-xs text-slate-500" title={(s.types ?? []).join(", ")}>
                          {s.tenant ?? "all tenants"} · {s.types && s.types.length > 0 ? s.types.join(", ") : "all types"}
                        </span>
                      </td>
                      <td className="px-2 py-2">
                        <TargetCell s={s} />
                      </td>
                      <td className="px-2 py-2">
                        <Badge tone={s.state === "active" ? "green" : "amber"} data-testid="subscription-state">
                          {s.state}
                        </Badge>
                      </td>
                      <Num value={s.stats?.pending} label="pending" testId="stat-pending" />
                      <Num value={s.stats?.ackPending} label="ack pending" testId="stat-ack-pending" />
                      <Num value={s.stats?.redelivered} label="redelivered" testId="stat-redelivered" />
                      <Num value={s.stats?.delivered} label="delivered" testId="stat-delivered" />
                      <Num value={s.stats?.members} label="members" testId="stat-members" />
                      <td className="px-2 py-2">
                        {s.stats ? (
                          <Badge tone={circuitTone[s.stats.circuit] ?? "slate"} data-testid="stat-circuit">
                            {s.stats.circuit}
                          </Badge>
                        ) : (
                          "–"
                        )}
                      </td>
                      <td className="px-2 py-2 text-xs" data-testid="stat-last-error">
                        {s.stats?.lastError ? (
                          <span
                            className="line-clamp-2 text-red-700 dark:text-red-400"
                            title={`${s.stats.lastError.message} (${formatTimestamp(s.stats.lastError.at)})`}
                          >
                            {s.stats.lastError.status !== undefined && `${s.stats.lastError.status} `}
                            {s.stats.lastError.message}
                          </span>
                        ) : (
                          <span className="text-slate-400">none</span>
                        )}
                      </td>
                      <td className="px-3 py-2">
                        <div className="flex justify-end gap-1">
                          <Button
                            size="sm"
                            disabled={busy}
                            onClick={() => toggle.mutate(s)}
                            aria-label={`${s.state === "active" ? "Pause" : "Resume"} ${s.name}`}
                          >
                            {s.state === "active" ? "Pause" : "Resume"}
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => setDetailsId(s.id)}
                            aria-label={`Lag and reset ${s.name}`}
                          >
                            Lag
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => openForm({ mode: "edit", sub: s })}
                            aria-label={`Edit ${s.name}`}
                          >
                            Edit
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            className="text-red-700 dark:text-red-400"
                            disabled={busy}
                            onClick={() => {
                              remove.reset();
                              setDeleting(s);
                            }}
                            aria-label={`Delete ${s.name}`}
                          >
                            Delete
                          </Button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {hidden > 0 && (
              <p className="border-t border-slate-100 px-3 py-2 text-xs text-slate-500 dark:border-slate-800">
                {hidden} {hidden === 1 ? "subscription" : "subscriptions"} of other tenants not shown.
              </p>
            )}
          </div>
        )}
      </Panel>

      <Dialog
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        title={editing?.mode === "edit" ? `Edit ${editing.sub.name}` : "New subscription"}
        testId="subscription-dialog"
      >
        {editing && (
          <SubscriptionForm
            key={editing.mode === "edit" ? editing.sub.id : "new"}
            mode={editing.mode}
            initial={editing.mode === "edit" ? formFromSubscription(editing.sub) : emptyForm(tenant)}
            onSubmit={submit}
            onCancel={() => setEditing(undefined)}
            pending={save.isPending}
            apiError={save.error ?? undefined}
          />
        )}
      </Dialog>

      {(() => {
        // the row's current data (stats, state), refreshed with the list
        const sub = all.find((x) => x.id === detailsId);
        return (
          <Dialog
            open={sub !== undefined}
            onClose={() => setDetailsId(undefined)}
            title={sub ? `${sub.name}: lag and position` : ""}
            testId="details-dialog"
          >
            {sub && <SubscriptionDetails sub={sub} />}
          </Dialog>
        );
      })()}

      <Dialog
        open={deleting !== undefined}
        onClose={() => setDeleting(undefined)}
        title="Delete subscription?"
        testId="delete-dialog"
        className="max-w-md"
      >
        {deleting && (
          <div className="space-y-4">
            <p className="text-sm">
              Delete <strong>{deleting.name}</strong> (<span className="font-mono text-xs">{deleting.id}</span>)? Its consumer and
              position in the stream are removed; events not yet delivered to it will not be.
            </p>
            {remove.error && <ErrorNotice error={remove.error} />}
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => setDeleting(undefined)}>
                Cancel
              </Button>
              <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate(deleting)}>
                {remove.isPending ? "Deleting…" : "Delete"}
              </Button>
            </div>
          </div>
        )}
      </Dialog>
    </div>
  );
}
