"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { eventParts } from "@/components/events/inspector-model";
import { Badge } from "@/components/ui/badge";
import { ErrorNotice } from "@/components/ui/error-notice";
import { DefinitionList } from "@/components/ui/panel";
import { formatTimestamp } from "@/lib/format";
import { deadLetterQuery } from "@/lib/queries/dead-letters";
import { REASON_TONES } from "./model";

function H({ children }: { children: string }) {
  return (
    <h3 className="mt-4 mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">{children}</h3>
  );
}

/** One dead letter in full: why, every attempt's error, where the event is in the stream, the event itself. */
export function DeadLetterDetail({ id }: { id: string }) {
  const q = useQuery(deadLetterQuery(id));
  if (q.isPending) return <p className="text-sm text-slate-500">Loading dead letter {id}…</p>;
  if (q.isError) return <ErrorNotice error={q.error} onRetry={() => q.refetch()} />;
  const d = q.data;
  const parts = eventParts(d.event);
  return (
    <div data-testid="dead-letter-detail" data-id={d.id}>
      <DefinitionList
        items={[
          [
            "reason",
            <Badge key="r" tone={REASON_TONES[d.reason] ?? "slate"}>
              {d.reason}
            </Badge>,
            "reason",
          ],
          ["subscription", d.subscription, "sub"],
          ["tenant", d.tenant, "tenant"],
          ["attempts", String(d.attempts), "attempts"],
          [
            "original seq",
            <Link
              key="seq"
              data-testid="dead-letter-original-seq"
              className="text-indigo-700 underline dark:text-indigo-300"
              href={`/explorer?${new URLSearchParams({ tenant: d.tenant, fromSeq: String(d.originalSeq), limit: "25" })}`}
            >
              {d.originalSeq}
            </Link>,
            "seq",
          ],
          ["original subject", d.originalSubject, "subject"],
          ["first failed", formatTimestamp(d.firstFailedAt), "first"],
          ["last failed", formatTimestamp(d.lastFailedAt), "last"],
          ["dead-lettered", formatTimestamp(d.deadLetteredAt), "dl"],
        ]}
      />
      <H>Attempts</H>
      <table className="w-full text-left text-xs" data-testid="dead-letter-attempts">
        <thead className="text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-2 font-medium">
              #
            </th>
            <th scope="col" className="py-1 pr-2 font-medium">
              At
            </th>
            <th scope="col" className="py-1 pr-2 font-medium">
              Status
            </th>
            <th scope="col" className="py-1 font-medium">
              Error
            </th>
          </tr>
        </thead>
        <tbody>
          {d.errors.map((a) => (
            <tr
              key={`${a.attempt}:${a.at}`}
              className="border-t border-slate-100 align-top dark:border-slate-800"
              data-testid="attempt-row"
            >
              <td className="py-1 pr-2 font-mono">{a.attempt}</td>
              <td className="py-1 pr-2 font-mono whitespace-nowrap">{formatTimestamp(a.at)}</td>
              <td className="py-1 pr-2 font-mono">{a.status ?? "–"}</td>
              <td className="py-1 break-words">
                {a.message}
                {a.final && (
                  <Badge className="ml-1" tone="red">
                    final
                  </Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.omittedAttempts ? (
        <p className="mt-1 text-xs text-slate-500">{d.omittedAttempts} attempts in between are not kept.</p>
      ) : null}
      <H>Event</H>
      <DefinitionList items={[...parts.attributes, ...parts.extensions].map(([k, v]) => [k, v, k])} />
      {parts.data.kind !== "none" && (
        <pre className="mt-2 max-h-64 overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-5 break-all whitespace-pre-wrap dark:bg-slate-950">
          {parts.data.text}
        </pre>
      )}
    </div>
  );
}
