import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { traceIdOf } from "../core/tracing";
import { createTracing } from "./otel";

const PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("tracing", () => {
  it("is the no-op tracer when no endpoint is set", async () => {
    const t = await createTracing({ serviceName: "x" });
    expect(t.tracer.enabled).toBe(false);
    const span = t.tracer.start("publish", { parent: { traceparent: PARENT } });
    expect(span.context).toBeUndefined();
    span.end();
  });

  it("continues the parent's trace and hands on its own context", async () => {
    const exporter = new InMemorySpanExporter();
    const t = await createTracing({ serviceName: "bus-test", exporter, exportDelayMs: 10 });
    expect(t.tracer.enabled).toBe(true);
    const parent = t.tracer.start("publish", {
      parent: { traceparent: PARENT, tracestate: "k=v" },
      attributes: { a: 1, b: undefined },
    });
    expect(traceIdOf(parent.context?.traceparent)).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(parent.context?.tracestate).toBe("k=v");
    const child = t.tracer.start("deliver", { parent: parent.context, kind: "consumer" });
    child.fail(new Error("boom"));
    child.end();
    parent.end();
    const root = t.tracer.start("replay"); // no parent: a new trace
    root.end();
    await t.flush();
    const spans = exporter.getFinishedSpans();
    await t.shutdown();
    expect(spans.map((s) => s.name)).toEqual(["deliver", "publish", "replay"]);
    const [deliver, publish, replay] = spans;
    expect(publish?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(publish?.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(deliver?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(deliver?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(deliver?.status.code).toBe(2); // ERROR
    expect(publish?.attributes).toEqual({ a: 1 });
    expect(replay?.spanContext().traceId).not.toBe("0af7651916cd43dd8448eb211c80319c");
    expect(publish?.resource.attributes["service.name"]).toBe("bus-test");
  });
});
