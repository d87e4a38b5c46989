"use client";

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorNotice } from "@/components/ui/error-notice";
import { DefinitionList } from "@/components/ui/panel";
import type { CloudEventJson } from "@/lib/contracts/events";
import { formatTimestamp } from "@/lib/format";
import { eventQuery } from "@/lib/queries/events";
import { curlCommand, eventJson, eventParts } from "./inspector-model";
import { ProcessingStatus } from "./processing-status";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="border-t border-slate-200 px-4 py-3 dark:border-slate-800">
      <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">{title}</h3>
      {children}
    </section>
  );
}

/** Where the event is stored: known already (explorer) or fetched by seq (live tail). */
function Stored({ seq, storedAt, tenant }: { seq: number; storedAt?: string; tenant?: string }) {
  const q = useQuery({ ...eventQuery(seq), enabled: storedAt === undefined });
  const at = storedAt ?? q.data?.storedAt;
  const t = tenant ?? q.data?.tenant;
  return (
    <>
      <DefinitionList
        items={[
          [
            "seq",
            <span key="s" data-testid="inspector-seq">
              {seq}
            </span>,
            "seq",
          ],
          ["stored at", at ? formatTimestamp(at) : q.isPending && storedAt === undefined ? "…" : "–", "at"],
          ["tenant", t ?? "–", "tenant"],
        ]}
      />
      {q.error && <ErrorNotice className="mt-2" error={q.error} />}
    </>
  );
}

/**
 * One event in full: stored position and time, attributes, extensions, data pretty-printed, and
 * copy actions (JSON, or a curl command that republishes it in structured mode).
 */
export function EventInspector({
  seq,
  event,
  storedAt,
  tenant,
  actions,
  onClose,
}: {
  seq: number;
  event: CloudEventJson;
  storedAt?: string;
  tenant?: string;
  actions?: ReactNode;
  onClose?: () => void;
}) {
  const parts = eventParts(event);
  return (
    <div className="flex min-h-0 flex-col" data-testid="inspector">
      <div className="space-y-2 px-4 py-3">
        <div className="flex items-start justify-between gap-2">
          <h2 className="min-w-0 text-base leading-6 font-medium break-all" title={event.type}>
            {event.type}
          </h2>
          {onClose && (
            <button
              type="button"
              onClick={onClose}
              aria-label="Close the inspector"
              className="grid h-7 w-7 shrink-0 place-items-center rounded-md text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800"
            >
              <span aria-hidden>×</span>
            </button>
          )}
        </div>
        <div className="flex flex-wrap items-center gap-1.5">
          <CopyButton label="Copy as JSON" text={() => eventJson(event)} />
          <CopyButton label="Copy as curl" text={() => curlCommand(event, window.location.origin)} />
          {actions}
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        <Section title="Stored">
          <Stored seq={seq} storedAt={storedAt} tenant={tenant} />
        </Section>
        <Section title="Processing status">
          <ProcessingStatus seq={seq} />
        </Section>
        <Section title="Attributes">
          <DefinitionList items={parts.attributes.map(([k, v]) => [k, v, k])} />
        </Section>
        <Section title="Extensions">
          {parts.extensions.length > 0 ? (
            <DefinitionList items={parts.extensions.map(([k, v]) => [k, v, k])} />
          ) : (
            <p className="text-sm text-slate-500">None</p>
          )}
        </Section>
        <Section title="Data">
          {parts.data.kind === "none" ? (
            <p className="text-sm text-slate-500">No data</p>
          ) : (
            <>
              {parts.data.kind === "binary" && (
                <p className="mb-1 text-xs text-slate-500">Binary, {parts.data.bytes.toLocaleString("en-US")} bytes (Base64)</p>
              )}
              <pre
                data-testid="inspector-data"
                className="max-h-[28rem] overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-5 break-all whitespace-pre-wrap dark:bg-slate-950"
              >
                {parts.data.text}
              </pre>
            </>
          )}
        </Section>
      </div>
    </div>
  );
}
