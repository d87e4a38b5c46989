import type { SpanExporter } from "@opentelemetry/sdk-trace";
import { noopTracer, type SpanAttributes, type TraceContext, type Tracer, type TraceSpan } from "../core/tracing";

/** The process's tracing: a tracer for the core, and flush / shutdown for the container. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and stops. Safe to call twice. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  serviceName: string;
  /** Another exporter (tests); switches tracing on without an endpoint. */
  exporter?: SpanExporter;
  /** Most time between exports. @default 2000 */
  exportDelayMs?: number;
}

const OFF: Tracing = { tracer: noopTracer, flush: async () => {}, shutdown: async () => {} };

function clean(a: SpanAttributes | undefined): Record<string, string | number | boolean> | undefined {
  if (!a) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * OpenTelemetry tracing, or nothing: with no endpoint the SDK is not even loaded (dynamic imports),
 * and the core gets the no-op tracer. Spans are not registered globally: every parent is explicit
 * (the event's `traceparent`), so nothing depends on async context propagation.
 */
export async function createTracing(o: TracingOptions): Promise<Tracing> {
  if (!o.endpoint && !o.exporter) return OFF;
  const [api, sdk, core, resources] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
  ]);
  let exporter = o.exporter;
  if (!exporter) {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    exporter = new OTLPTraceExporter({ url: `${(o.endpoint as string).replace(/\/+$/, "")}/v1/traces` });
  }
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ "service.name": o.serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: o.exportDelayMs ?? 2000 })],
  });
  const tracer = provider.getTracer("anumate-event-bus");
  const propagator = new core.W3CTraceContextPropagator();
  const kinds = {
    internal: api.SpanKind.INTERNAL,
    producer: api.SpanKind.PRODUCER,
    consumer: api.SpanKind.CONSUMER,
    client: api.SpanKind.CLIENT,
  } as const;

  const start: Tracer["start"] = (name, opts = {}): TraceSpan => {
    const parent = opts.parent
      ? propagator.extract(api.ROOT_CONTEXT, { ...opts.parent }, api.defaultTextMapGetter)
      : api.ROOT_CONTEXT;
    const span = tracer.startSpan(name, { kind: kinds[opts.kind ?? "internal"], attributes: clean(opts.attributes) }, parent);
    const carrier: Record<string, string> = {};
    propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, span), carrier, api.defaultTextMapSetter);
    const context: TraceContext | undefined = carrier.traceparent
      ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) }
      : undefined;
    return {
      context,
      setAttributes(a) {
        const c = clean(a);
        if (c) span.setAttributes(c);
      },
      fail(e) {
        const message = e instanceof Error ? e.message : String(e);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: message.slice(0, 500) });
      },
      end: () => span.end(),
    };
  };

  let stopped: Promise<void> | undefined;
  return {
    tracer: { enabled: true, start },
    flush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown().catch(() => {});
      return stopped;
    },
  };
}
