"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input, Textarea } from "@/components/ui/field";
import { PageHeader, Panel } from "@/components/ui/panel";
import { isApiError } from "@/lib/api-client";
import { type CreatedKeyDto, type KeyDto, ROLES, type Role } from "@/lib/contracts/keys";
import type { ErrorDetail } from "@/lib/errors";
import { errorsFor, groupDetails } from "@/lib/field-errors";
import { formatTimestamp } from "@/lib/format";
import { keyApi, keyKeys, keysQuery } from "@/lib/queries/keys";
import { emptyKeyForm, type KeyFormValues, toKeyInput } from "./key-form";

const ROLE_HINT: Record<Role, string> = {
  admin: "everything, keys included",
  operator: "subscriptions, dead letters, replays, audit",
  publisher: "publish events",
  subscriber: "read events and subscriptions",
};

function CreateKeyForm({
  tenant,
  onCreated,
  onCancel,
}: {
  tenant: string | undefined;
  onCreated: (k: CreatedKeyDto) => void;
  onCancel: () => void;
}) {
  const ids = useId();
  const [v, setV] = useState<KeyFormValues>(() => emptyKeyForm(tenant));
  const [problems, setProblems] = useState<ErrorDetail[]>([]);
  const create = useMutation({ mutationFn: keyApi.create, onSuccess: onCreated });
  const errors = groupDetails([...problems, ...(isApiError(create.error) ? create.error.details : [])]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const built = toKeyInput(v);
    if (!built.ok) {
      setProblems(built.problems);
      return;
    }
    setProblems([]);
    create.mutate(built.value);
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="New key">
      <Field id={`${ids}-name`} label="Name" errors={errorsFor(errors, "name")} hint="What the key is for, e.g. billing-service">
        {(p) => <Input {...p} value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} autoFocus />}
      </Field>
      <Field id={`${ids}-tenant`} label="Tenant" errors={errorsFor(errors, "tenant")} hint="Empty: every tenant">
        {(p) => (
          <Input {...p} value={v.tenant} onChange={(e) => setV({ ...v, tenant: e.target.value })} placeholder="all tenants" />
        )}
      </Field>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Roles</legend>
        <div className="mt-1 grid grid-cols-2 gap-2">
          {ROLES.map((r) => (
            <label key={r} className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-1"
                checked={v.roles.includes(r)}
                onChange={(e) => setV({ ...v, roles: e.target.checked ? [...v.roles, r] : v.roles.filter((x) => x !== r) })}
              />
              <span>
                {r}
                <span className="block text-xs text-slate-500">{ROLE_HINT[r]}</span>
              </span>
            </label>
          ))}
        </div>
        {errorsFor(errors, "roles", true).length > 0 && (
          <p className="mt-1 text-xs text-red-700 dark:text-red-400" data-testid="error-roles">
            {errorsFor(errors, "roles", true).join("; ")}
          </p>
        )}
      </fieldset>
      <Field
        id={`${ids}-types`}
        label="Types it may publish"
        errors={errorsFor(errors, "types", true)}
        hint="Type patterns, one per line; empty for any type"
      >
        {(p) => (
          <Textarea
            {...p}
            rows={2}
            value={v.types}
            onChange={(e) => setV({ ...v, types: e.target.value })}
            placeholder="com.anumate.billing.>"
            spellCheck={false}
          />
        )}
      </Field>
      {create.error && <ErrorNotice error={create.error} />}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create key"}
        </Button>
      </div>
    </form>
  );
}

/** The new key, shown this once. */
function CreatedKey({ k, onDone }: { k: CreatedKeyDto; onDone: () => void }) {
  return (
    <div className="space-y-4" data-testid="created-key">
      <div
        role="alert"
        className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950/50 dark:text-amber-100"
      >
        <p className="font-medium">Copy this key now: it is shown only once.</p>
        <p className="mt-0.5">
          The bus keeps only a hash of it; nobody can show it again. Store it in a secret manager, never in source code. If it is
          lost, revoke it and create a new one.
        </p>
      </div>
      <p className="text-sm">
        Key <strong>{k.name}</strong> ({k.roles.join(", ")}, {k.tenant ? `tenant ${k.tenant}` : "all tenants"})
      </p>
      <div className="flex items-center gap-2">
        <code
          data-testid="created-key-value"
          className="min-w-0 flex-1 rounded-md bg-slate-100 px-3 py-2 font-mono text-xs break-all dark:bg-slate-800"
        >
          {k.key}
        </code>
        <CopyButton label="Copy key" text={() => k.key} variant="primary" />
      </div>
      <div className="flex justify-end">
        <Button onClick={onDone}>I have stored it</Button>
      </div>
    </div>
  );
}

function KeyRow({ k, onRevoke }: { k: KeyDto; onRevoke: () => void }) {
  return (
    <tr
      data-testid="key-row"
      data-key-id={k.id}
      data-name={k.name}
      className="border-t border-slate-100 align-top dark:border-slate-800"
    >
      <td className="px-3 py-2">
        <span className="block truncate font-medium">{k.name}</span>
        <span className="block truncate font-mono text-xs text-slate-500">{k.id}</span>
      </td>
      <td className="px-2 py-2 text-xs">{k.tenant ?? <span className="text-slate-500">all tenants</span>}</td>
      <td className="px-2 py-2">
        <span className="flex flex-wrap gap-1">
          {k.roles.map((r) => (
            <Badge key={r} tone={r === "admin" ? "blue" : "slate"}>
              {r}
            </Badge>
          ))}
        </span>
      </td>
      <td className="px-2 py-2 font-mono text-xs break-all">
        {k.types?.join(", ") ?? <span className="font-sans text-slate-500">any</span>}
      </td>
      <td className="px-2 py-2 font-mono text-xs">{k.prefix}…</td>
      <td className="px-2 py-2 text-xs">
        <span className="block font-mono">{formatTimestamp(k.createdAt, { ms: false })}</span>
        <span className="block truncate text-slate-500" title={k.createdBy}>
          by {k.createdBy}
        </span>
      </td>
      <td className="px-2 py-2 text-xs" data-testid="key-state">
        {k.revokedAt ? (
          <Badge tone="red" title={k.revokedAt}>
            revoked {formatTimestamp(k.revokedAt, { ms: false })}
          </Badge>
        ) : (
          <Badge tone="green">active</Badge>
        )}
      </td>
      <td className="px-3 py-2 text-right">
        {!k.revokedAt && (
          <Button
            size="sm"
            variant="ghost"
            className="text-red-700 dark:text-red-400"
            onClick={onRevoke}
            aria-label={`Revoke ${k.name}`}
          >
            Revoke
          </Button>
        )}
      </td>
    </tr>
  );
}

/** API keys (admin): list, create (the key shown once), revoke with a confirmation. */
export function KeysPage({ tenant }: { tenant: string | undefined }) {
  const qc = useQueryClient();
  const list = useQuery(keysQuery());
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedKeyDto>();
  const [revoking, setRevoking] = useState<KeyDto>();
  const invalidate = () => qc.invalidateQueries({ queryKey: keyKeys.all });
  const revoke = useMutation({
    mutationFn: (k: KeyDto) => keyApi.revoke(k.id),
    onSuccess: () => setRevoking(undefined),
    onSettled: invalidate,
  });
  const items = [...(list.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const shown = tenant ? items.filter((k) => k.tenant === undefined || k.tenant === tenant) : items;
  const closeCreate = () => {
    setCreating(false);
    setCreated(undefined);
  };
  return (
    <div>
      <PageHeader
        title="Keys"
        description={`API keys${tenant ? ` for tenant ${tenant} (and keys of every tenant)` : ""}: who may publish, read and operate. Admins only.`}
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New key
          </Button>
        }
      />
      <Panel className="overflow-hidden">
        {list.isPending ? (
          <p className="p-4 text-sm text-slate-500">Loading keys…</p>
        ) : list.isError ? (
          <div className="p-4">
            <ErrorNotice error={list.error} onRetry={() => list.refetch()} />
          </div>
        ) : shown.length === 0 ? (
          <div className="p-4">
            <EmptyState testId="keys-empty" title="No keys yet">
              The bootstrap admin key (ADMIN_API_KEY) is not listed; create keys for services and operators here.
            </EmptyState>
          </div>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[60rem] table-fixed text-left text-sm" data-testid="keys-table">
              <caption className="sr-only">API keys</caption>
              <thead className="bg-slate-50 text-xs text-slate-500 dark:bg-slate-900 dark:text-slate-400">
                <tr>
                  <th scope="col" className="w-[18%] px-3 py-2 font-medium">
                    Name
                  </th>
                  <th scope="col" className="w-[10%] px-2 py-2 font-medium">
                    Tenant
                  </th>
                  <th scope="col" className="w-[15%] px-2 py-2 font-medium">
                    Roles
                  </th>
                  <th scope="col" className="w-[14%] px-2 py-2 font-medium">
                    Types
                  </th>
                  <th scope="col" className="w-[10%] px-2 py-2 font-medium">
                    Prefix
                  </th>
                  <th scope="col" className="w-[14%] px-2 py-2 font-medium">
                    Created
                  </th>
                  <th scope="col" className="w-[11%] px-2 py-2 font-medium">
                    Revoked
                  </th>
                  <th scope="col" className="w-[8%] px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((k) => (
                  <KeyRow
                    key={k.id}
                    k={k}
                    onRevoke={() => {
                      revoke.reset();
                      setRevoking(k);
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>

      <Dialog open={creating} onClose={closeCreate} title={created ? "Key created" : "New key"} testId="key-dialog">
        {creating &&
          (created ? (
            <CreatedKey
              k={created}
              onDone={() => {
                closeCreate();
              }}
            />
          ) : (
            <CreateKeyForm
              tenant={tenant}
              onCancel={closeCreate}
              onCreated={(k) => {
                setCreated(k);
                void invalidate();
              }}
            />
          ))}
      </Dialog>

      <Dialog
        open={revoking !== undefined}
        onClose={() => setRevoking(undefined)}
        title="Revoke key?"
        testId="revoke-dialog"
        className="max-w-md"
      >
        {revoking && (
          <div className="space-y-4">
            <p className="text-sm">
              Revoke <strong>{revoking.name}</strong> (<span className="font-mono text-xs">{revoking.prefix}…</span>)? Every
              replica refuses it at once; services using it get 401 until they get a new key. This cannot be undone.
            </p>
            {revoke.error && <ErrorNotice error={revoke.error} />}
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => setRevoking(undefined)}>
                Cancel
              </Button>
              <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(revoking)}>
                {revoke.isPending ? "Revoking…" : "Revoke"}
              </Button>
            </div>
          </div>
        )}
      </Dialog>
    </div>
  );
}
