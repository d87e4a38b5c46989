import type { CloudEvent } from "./cloudevents/event";

/**
 * The tracing port. The core names spans and their parents; the adapter (server/adapters/otel.ts)
 * makes them OpenTelemetry spans and exports them, or does nothing at all when tracing is off.
 * Parents are always explicit: the W3C trace context travels in the event (`traceparent` /
 * `tracestate` extensions), so one trace follows an event through retries, dead letters, requeues
 * and replays, whichever replica handles it.
 */

/** W3C trace context, as in the `traceparent` / `tracestate` headers and CloudEvents extensions. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface TraceSpan {
  /** This span's context, to hand on (undefined when nothing is recorded). */
  readonly context: TraceContext | undefined;
  setAttributes(a: SpanAttributes): void;
  /** Marks the span failed (with the error's message). */
  fail(error: unknown): void;
  end(): void;
}

export interface Tracer {
  /** False for the no-op tracer: callers skip building attributes. */
  readonly enabled: boolean;
  start(
    name: string,
    opts?: { parent?: TraceContext; kind?: "internal" | "producer" | "consumer" | "client"; attributes?: SpanAttributes },
  ): TraceSpan;
}

const noopSpan: TraceSpan = { context: undefined, setAttributes() {}, fail() {}, end() {} };

/** Tracing off: no allocation per span. */
export const noopTracer: Tracer = { enabled: false, start: () => noopSpan };

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a `traceparent` value. */
export function traceIdOf(traceparent: unknown): string | undefined {
  return typeof traceparent === "string" ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/** The trace context an event carries (its `traceparent` / `tracestate` extensions). */
export function eventTrace(e: CloudEvent): TraceContext | undefined {
  const tp = e.extensions.traceparent;
  if (typeof tp !== "string" || !TRACEPARENT.test(tp)) return undefined;
  const ts = e.extensions.tracestate;
  return typeof ts === "string" && ts.length > 0 ? { traceparent: tp, tracestate: ts } : { traceparent: tp };
}

/** Fields every log line about an event carries. */
export function eventLogFields(e: CloudEvent, tenant?: string): Record<string, string | undefined> {
  const correlation = e.extensions.correlationid;
  const t = tenant ?? e.extensions.tenantid;
  return {
    event_id: e.id,
    event_type: e.type,
    tenant_id: typeof t === "string" ? t : undefined,
    correlation_id: typeof correlation === "string" ? correlation : undefined,
    trace_id: traceIdOf(e.extensions.traceparent),
  };
}

/**
 * One span per event (child of each event's own trace context) around one batch operation, e.g.
 * the replayed or requeued copies of a batch: `await spans.end(send(...))`.
 */
export function traceEvents(
  tracer: Tracer | undefined,
  name: string,
  events: readonly { readonly event: CloudEvent; readonly seq?: number }[],
  attributes: SpanAttributes,
): { end<T>(p: Promise<T>): Promise<T> } {
  if (!tracer?.enabled) return { end: (p) => p };
  const spans = events.map((e) =>
    tracer.start(name, {
      parent: eventTrace(e.event),
      kind: "producer",
      attributes: {
        ...attributes,
        "cloudevents.event_id": e.event.id,
        "cloudevents.event_type": e.event.type,
        "anumate.seq": e.seq,
      },
    }),
  );
  return {
    end: (p) =>
      p.then(
        (v) => {
          for (const s of spans) s.end();
          return v;
        },
        (err: unknown) => {
          for (const s of spans) {
            s.fail(err);
            s.end();
          }
          throw err;
        },
      ),
  };
}
