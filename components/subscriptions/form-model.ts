import {
  type SubscriptionDto,
  type SubscriptionInput,
  subscriptionInputSchema,
  subscriptionPatchSchema,
} from "@/lib/contracts/subscriptions";
import type { ErrorDetail } from "@/lib/errors";
import { detailsFromZod } from "@/lib/field-errors";
import type { SubscriptionPatch } from "@/lib/queries/subscriptions";

export type TargetType = "push" | "websocket" | "internal";
export type StartAtType = "new" | "all" | "time" | "sequence";

/**
 * The subscription form as typed (strings), turned into the API's input on submit. Error fields
 * are the API's paths (`target.url`, `retry.jitter`, `types.0`), so the browser's checks (the
 * shared zod schema) and the API's `details` land on the same controls.
 */
export interface SubscriptionFormValues {
  name: string;
  tenant: string;
  /** Type patterns, one per line (commas work too). */
  types: string;
  /** Knative-dialect filters as JSON (an array), empty for none. */
  filters: string;
  queueGroup: string;
  targetType: TargetType;
  url: string;
  timeoutMs: string;
  maxAttempts: string;
  initialDelayMs: string;
  multiplier: string;
  maxDelayMs: string;
  jitter: string;
  ackWaitMs: string;
  startAt: StartAtType;
  startValue: string;
  maxInFlight: string;
}

export function emptyForm(tenant: string | undefined): SubscriptionFormValues {
  return {
    name: "",
    tenant: tenant ?? "",
    types: "",
    filters: "",
    queueGroup: "",
    targetType: "push",
    url: "",
    timeoutMs: "",
    maxAttempts: "",
    initialDelayMs: "",
    multiplier: "",
    maxDelayMs: "",
    jitter: "",
    ackWaitMs: "",
    startAt: "new",
    startValue: "",
    maxInFlight: "",
  };
}

/** The form for editing a stored subscription (every default shown as stored). */
export function formFromSubscription(s: SubscriptionDto): SubscriptionFormValues {
  return {
    name: s.name,
    tenant: s.tenant ?? "",
    types: (s.types ?? []).join("\n"),
    filters: s.filters && s.filters.length > 0 ? JSON.stringify(s.filters, null, 2) : "",
    queueGroup: s.queueGroup,
    targetType: s.target.type,
    url: s.target.type === "push" ? s.target.url : "",
    timeoutMs: s.target.type === "push" ? String(s.target.timeoutMs) : "",
    maxAttempts: String(s.retry.maxAttempts),
    initialDelayMs: String(s.retry.initialDelayMs),
    multiplier: String(s.retry.multiplier),
    maxDelayMs: String(s.retry.maxDelayMs),
    jitter: String(s.retry.jitter),
    ackWaitMs: String(s.retry.ackWaitMs),
    startAt: s.startAt.type,
    startValue: "value" in s.startAt ? String(s.startAt.value) : "",
    maxInFlight: String(s.maxInFlight),
  };
}

export function splitPatterns(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

type Built<T> = { ok: true; value: T } | { ok: false; problems: ErrorDetail[] };

/** Reads the form into an object shaped like the input; numbers that do not parse are problems. */
function assemble(v: SubscriptionFormValues, problems: ErrorDetail[]): Record<string, unknown> {
  const num = (field: string, text: string): number | undefined => {
    const t = text.trim();
    if (t === "") return undefined;
    const n = Number(t);
    if (!Number.isFinite(n)) {
      problems.push({ field, rule: "must be a number" });
      return undefined;
    }
    return n;
  };
  const out: Record<string, unknown> = { name: v.name.trim() };
  if (v.tenant.trim() !== "") out.tenant = v.tenant.trim();
  const types = splitPatterns(v.types);
  if (types.length > 0) out.types = types;
  if (v.filters.trim() !== "") {
    try {
      out.filters = JSON.parse(v.filters);
    } catch (e) {
      problems.push({ field: "filters", rule: `must be valid JSON (${(e as Error).message})` });
    }
  }
  if (v.queueGroup.trim() !== "") out.queueGroup = v.queueGroup.trim();
  if (v.targetType === "push") {
    const target: Record<string, unknown> = { type: "push", url: v.url.trim() };
    const timeoutMs = num("target.timeoutMs", v.timeoutMs);
    if (timeoutMs !== undefined) target.timeoutMs = timeoutMs;
    out.target = target;
  } else out.target = { type: v.targetType };
  const retry: Record<string, unknown> = {};
  for (const k of ["maxAttempts", "initialDelayMs", "multiplier", "maxDelayMs", "jitter", "ackWaitMs"] as const) {
    const n = num(`retry.${k}`, v[k]);
    if (n !== undefined) retry[k] = n;
  }
  if (Object.keys(retry).length > 0) out.retry = retry;
  if ((v.startAt === "time" || v.startAt === "sequence") && v.startValue.trim() === "") {
    problems.push({
      field: "startAt.value",
      rule: v.startAt === "time" ? "is required (an RFC 3339 time)" : "is required (a sequence)",
    });
  }
  if (v.startAt === "time") out.startAt = { type: "time", value: v.startValue.trim() };
  else if (v.startAt === "sequence") out.startAt = { type: "sequence", value: num("startAt.value", v.startValue) ?? 0 };
  else out.startAt = { type: v.startAt };
  const maxInFlight = num("maxInFlight", v.maxInFlight);
  if (maxInFlight !== undefined) out.maxInFlight = maxInFlight;
  return out;
}

/**
 * The form's own problems (numbers that do not parse, missing values) and the schema's, without
 * repeats: where the form already named a field, the schema's generic issue there is dropped.
 */
function merge(own: ErrorDetail[], schema: ErrorDetail[]): ErrorDetail[] {
  const named = new Set(own.map((p) => p.field));
  const seen = new Set<string>();
  return [...own, ...schema.filter((p) => !named.has(p.field))].filter((p) => {
    const k = `${p.field}\u0000${p.rule}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The create request, checked with the same schema the server uses. */
export function toCreateInput(v: SubscriptionFormValues): Built<SubscriptionInput> {
  const problems: ErrorDetail[] = [];
  const raw = assemble(v, problems);
  const parsed = subscriptionInputSchema.safeParse(raw);
  const all = merge(problems, parsed.success ? [] : detailsFromZod(parsed.error));
  if (all.length > 0) return { ok: false, problems: all };
  return { ok: true, value: raw as SubscriptionInput };
}

/** The PATCH for an edited subscription: every editable field (name, tenant and start position cannot change). */
export function toPatch(v: SubscriptionFormValues): Built<SubscriptionPatch> {
  const assembled: ErrorDetail[] = [];
  const { name: _name, startAt: _startAt, tenant: _tenant, ...raw } = assemble(v, assembled);
  const problems = assembled.filter((p) => !p.field.startsWith("startAt"));
  // an emptied list means "all types" again
  if (raw.types === undefined) raw.types = [];
  if (raw.filters === undefined && problems.every((p) => p.field !== "filters")) raw.filters = [];
  const parsed = subscriptionPatchSchema.safeParse(raw);
  const all = merge(problems, parsed.success ? [] : detailsFromZod(parsed.error));
  if (all.length > 0) return { ok: false, problems: all };
  return { ok: true, value: raw as SubscriptionPatch };
}
