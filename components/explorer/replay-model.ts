import type { AttributeMatch } from "@/components/live/filters";
import type { StoredEventDto } from "@/lib/contracts/events";
import type { ReplayInput } from "@/lib/contracts/replays";
import type { AttributeFilterDto } from "@/lib/contracts/subscriptions";
import { FILTER_LIMITS } from "@/lib/contracts/subscriptions";
import type { ExplorerSearch } from "./draft";

/** Most events a selection can replay: one `any` filter of `exact` ids within the API's 50 conditions. */
export const MAX_SELECTED = FILTER_LIMITS.nodes - 1;

export type ReplayTarget = { type: "subscription"; id: string } | { type: "stream" };

export type ReplaySource =
  | { kind: "selected"; events: readonly Pick<StoredEventDto, "seq" | "event" | "tenant">[] }
  | { kind: "range"; search: ExplorerSearch; attribute?: AttributeMatch; text?: string };

export type BuiltReplay = { ok: true; input: Omit<ReplayInput, "dryRun">; notes: string[] } | { ok: false; problem: string };

/**
 * The replay request for what the explorer shows: the selected events (their sequence range,
 * narrowed to their ids), or the current range (the history filters as the replay's range and
 * filter). The browser-side text filter cannot travel: it is named in `notes`.
 */
export function buildReplay(
  source: ReplaySource,
  tenant: string | undefined,
  target: ReplayTarget,
  ratePerSec?: number,
): BuiltReplay {
  const notes: string[] = [];
  const common = { target, ...(ratePerSec ? { ratePerSec } : {}) };
  if (source.kind === "selected") {
    const events = [...source.events].sort((a, b) => a.seq - b.seq);
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last) return { ok: false, problem: "Select at least one event (the checkboxes), or replay the current range" };
    if (events.length > MAX_SELECTED)
      return { ok: false, problem: `Select at most ${MAX_SELECTED} events, or replay the current range` };
    const ids = [...new Set(events.map((e) => e.event.id))];
    const byId: AttributeFilterDto[] = ids.map((id) => ({ exact: { id } }));
    const tenants = new Set(events.map((e) => e.tenant));
    const onlyTenant = tenant ?? (tenants.size === 1 ? first.tenant : undefined);
    return {
      ok: true,
      notes,
      input: {
        from: { sequence: first.seq },
        to: { sequence: last.seq },
        filter: {
          ...(onlyTenant ? { tenant: onlyTenant } : {}),
          filters: byId.length === 1 ? byId : [{ any: byId }],
        },
        ...common,
      },
    };
  }
  const s = source.search;
  let from: ReplayInput["from"] = { sequence: 1 };
  if (s.fromSeq !== undefined) {
    from = { sequence: s.fromSeq };
    if (s.from) notes.push("The range starts at the sequence given; the start time is not used.");
  } else if (s.from) from = { time: s.from };
  const filters: AttributeFilterDto[] = [];
  if (s.subject) filters.push({ exact: { subject: s.subject } });
  if (source.attribute) filters.push({ exact: { [source.attribute.name]: source.attribute.value } });
  if (source.text?.trim())
    notes.push(`"Text in data" is a browser filter: the replay sends every event of the range, with or without that text.`);
  const filter = {
    ...(tenant ? { tenant } : {}),
    ...(s.type ? { types: [s.type] } : {}),
    ...(filters.length > 0 ? { filters } : {}),
  };
  return {
    ok: true,
    notes,
    input: {
      from,
      ...(s.to ? { to: { time: s.to } } : {}),
      ...(Object.keys(filter).length > 0 ? { filter } : {}),
      ...common,
    },
  };
}
