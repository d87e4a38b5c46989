import type { z } from "zod";
import { approvalEvents } from "./approval";
import { capsuleEvents } from "./capsule";
import type { CatalogEntry } from "./entry";
import { executionEvents } from "./execution";
import { policyEvents } from "./policy";

/**
 * The event catalog: every `com.anumate.*` type the platform publishes, with the schema of its
 * `data`, its producer and an example. Isomorphic: the server validates with it and the console's
 * Publish page builds its form from it, so nothing here may import server code or Node modules.
 *
 * Data schemas are strict: an unknown field (often a typo such as `capsuleID`) is a problem.
 * A new field lands here first, as optional, before producers send it.
 */
export const catalog = Object.freeze([...capsuleEvents, ...policyEvents, ...executionEvents, ...approvalEvents] as const);

/** Any entry of the catalog. */
export type AnyCatalogEntry = (typeof catalog)[number];
/** The type names of the catalog, e.g. `"com.anumate.capsule.created"`. */
export type EventType = AnyCatalogEntry["type"];
/** The entry of one type. */
export type CatalogEntryOf<T extends EventType> = Extract<AnyCatalogEntry, { type: T }>;
/** The `data` of one type, e.g. `EventDataOf<"com.anumate.capsule.created">` is `CapsuleCreatedData`. */
export type EventDataOf<T extends EventType> = z.output<CatalogEntryOf<T>["schema"]>;
/** The `data` of any catalog type. */
export type EventData = EventDataOf<EventType>;

// Every entry is a CatalogEntry; this fails to compile when one is not.
catalog satisfies readonly CatalogEntry[];

const byType: ReadonlyMap<string, AnyCatalogEntry> = new Map(catalog.map((e) => [e.type, e]));

/** Whether `type` is a type of the catalog. */
export function isEventType(type: string): type is EventType {
  return byType.has(type);
}

/** The entry of a type, or `undefined` for a type outside the catalog. */
export function getCatalogEntry<T extends EventType>(type: T): CatalogEntryOf<T>;
export function getCatalogEntry(type: string): AnyCatalogEntry | undefined;
export function getCatalogEntry(type: string): AnyCatalogEntry | undefined {
  return byType.get(type);
}

/** The type names in catalog order (grouped by domain). */
export function listEventTypes(): EventType[] {
  return catalog.map((e) => e.type);
}

/**
 * One problem with an event: `field` is a dotted path (`data.createdBy.kind`, `data.approvers.0`,
 * `data` for the whole value, `type` for a type outside the catalog) and `rule` what it must be.
 * Shaped like the API's error details, so it can be sent as one.
 */
export interface DataProblem {
  readonly field: string;
  readonly rule: string;
}

export type DataValidation<D> = { ok: true; data: D } | { ok: false; problems: DataProblem[] };

/** The rule for a type outside the catalog (field `type`). */
export const UNKNOWN_TYPE_RULE = "must be a type of the event catalog";

/**
 * Checks the `data` of an event against the schema of its type. A type outside the catalog is
 * one problem on the field `type`: callers that also accept other types check `isEventType` first.
 */
export function validateEventData<T extends EventType>(type: T, data: unknown): DataValidation<EventDataOf<T>>;
export function validateEventData(type: string, data: unknown): DataValidation<EventData>;
export function validateEventData(type: string, data: unknown): DataValidation<EventData> {
  const entry = byType.get(type);
  if (entry === undefined) return { ok: false, problems: [{ field: "type", rule: UNKNOWN_TYPE_RULE }] };
  const result = entry.schema.safeParse(data, { error: ruleOf });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, problems: result.error.issues.flatMap(problemsOf) };
}

function fieldOf(path: readonly PropertyKey[]): string {
  return ["data", ...path.map(String)].join(".");
}

function problemsOf(issue: z.core.$ZodIssue): DataProblem[] {
  // zod reports all unknown keys of an object in one issue; name each field instead
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({ field: fieldOf([...issue.path, k]), rule: "is not a known field" }));
  }
  // a bad record key: the key's own rule, at the key's path
  if (issue.code === "invalid_key") return [{ field: fieldOf(issue.path), rule: issue.issues[0]?.message ?? issue.message }];
  return [{ field: fieldOf(issue.path), rule: issue.message }];
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const TYPE_NAMES: Record<string, string> = { int: "integer", record: "object" };

/**
 * Rules for zod's generic issues, in the API's words. Field schemas carry their own messages for
 * formats and patterns; those win over this map.
 */
function ruleOf(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && issue.code !== "custom") return "is required";
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(TYPE_NAMES[issue.expected] ?? issue.expected)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
    case "too_big": {
      const bound = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const word =
        issue.code === "too_small" ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than";
      if (issue.origin === "string") return `must be ${word} ${bound} characters`;
      if (issue.origin === "array") return `must have ${word} ${bound} items`;
      return `must be ${word} ${bound}`;
    }
    case "invalid_format":
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
}
