import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCtx } from "../server/core/context";
import { RejectEvent } from "../server/core/delivery/members";
import { traceIdOf } from "../server/core/tracing";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { until } from "../server/testing/http";

/**
 * OpenTelemetry against the real services and a real OTLP/HTTP endpoint (a small collector here):
 * one trace follows an event through delivery, retries, the dead-letter stream, requeue and replay.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

let collector: Server;
let endpoint: string;
const spans: OtlpSpan[] = [];
const services = new Set<string>();
let app: TestApp;

/** OTLP/JSON ids are hex; some exporters send base64. */
const hex = (id: string | undefined) =>
  id === undefined || id === "" ? undefined : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, "base64").toString("hex");

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          for (const a of rs.resource.attributes)
            if (a.key === "service.name" && a.value.stringValue) services.add(a.value.stringValue);
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                ...s,
                traceId: hex(s.traceId) as string,
                spanId: hex(s.spanId) as string,
                parentSpanId: hex(s.parentSpanId),
              });
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", () => r()));
  const addr = collector.address();
  endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  app = await startTestApp(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: "bus-trace-test" }));
});

afterAll(async () => {
  await app?.stop();
  if (app) await cleanup(app.config);
  await new Promise((r) => collector?.close(r));
});

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(app.url + path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function publish(type: string, extra: Record<string, unknown>, headers: Record<string, string> = {}) {
  const id = randomUUID();
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json", ...headers },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/tracing", type, ...extra }),
  });
  expect(res.status).toBe(202);
  return { id, seq: ((await res.json()) as { seq: number }).seq };
}

describe("one trace per event", () => {
  it("follows it through delivery, retries, the dead-letter stream, requeue and replay", async () => {
    const type = `com.anumate.trace${randomUUID().slice(0, 6)}.x`;
    const sub = await api<{ id: string }>("POST", "/api/subscriptions", {
      name: `tr-${randomUUID().slice(0, 8)}`,
      types: [type],
      target: { type: "internal" },
      retry: { maxAttempts: 2, initialDelayMs: 20, maxDelayMs: 50 },
    });
    expect(sub.status).toBe(201);
    const got: { id: string; traceparent: unknown; replayId?: string; attempt: number }[] = [];
    let rejectedOnce = false;
    await app.container.subscriptions.attachHandler({
      ctx: systemCtx("test"),
      input: {
        id: sub.body.id,
        handler: (e, info) => {
          got.push({
            id: e.id,
            traceparent: e.extensions.traceparent,
            attempt: info.attempt,
            ...(info.replayId ? { replayId: info.replayId } : {}),
          });
          if (e.extensions.mode === "retry-then-reject" && !rejectedOnce) {
            if (info.attempt === 1) throw new Error("transient");
            rejectedOnce = true;
            throw new RejectEvent("poison until requeued");
          }
        },
      },
    });

    const traceA = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traceC = "0af7651916cd43dd8448eb211c80319c";
    // A: trace context from the HTTP header; B: none at all; C: in the event (extension), retried, dead-lettered, requeued
    const a = await publish(type, {}, { traceparent: `00-${traceA}-00f067aa0ba902b7-01` });
    const b = await publish(type, {});
    const c = await publish(type, { traceparent: `00-${traceC}-b7ad6b7169203331-01`, mode: "retry-then-reject" });
    await until(() => got.filter((g) => g.id === c.id).length === 2 && got.some((g) => g.id === b.id));

    // the stored event carries its trace context: the header's for A, the publish span's for B
    const storedB = await api<{ event: { traceparent?: string } }>("GET", `/api/events/${b.seq}`);
    const traceB = traceIdOf(storedB.body.event.traceparent);
    expect(traceB).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(got.find((g) => g.id === a.id)?.traceparent)).toBe(traceA);
    expect(traceIdOf(got.find((g) => g.id === b.id)?.traceparent)).toBe(traceB);

    // C: dead-lettered, then requeued; it comes back with its trace
    let dlId = "";
    await until(async () => {
      const r = await api<{ items: { id: string; event: { id: string } }[] }>(
        "GET",
        `/api/dead-letters?subscription=${sub.body.id}`,
      );
      dlId = r.body.items.find((i) => i.event.id === c.id)?.id ?? "";
      return dlId !== "";
    });
    expect((await api("POST", `/api/dead-letters/${dlId}/requeue`)).status).toBe(202);
    await until(() => got.filter((g) => g.id === c.id).length === 3);
    expect(got.filter((g) => g.id === c.id).map((g) => traceIdOf(g.traceparent))).toEqual([traceC, traceC, traceC]);

    // replay all three: each replayed copy carries the trace id of the original
    const r = await api<{ id: string; count: number }>("POST", "/api/replays", {
      from: { sequence: a.seq },
      to: { sequence: c.seq },
      filter: { types: [type] },
      target: { type: "subscription", id: sub.body.id },
    });
    expect(r.status).toBe(202);
    expect(r.body.count).toBe(3);
    await until(() => got.filter((g) => g.replayId === r.body.id).length === 3);
    const replayed = got.filter((g) => g.replayId === r.body.id);
    expect(replayed.map((g) => [g.id, traceIdOf(g.traceparent)])).toEqual([
      [a.id, traceA],
      [b.id, traceB],
      [c.id, traceC],
    ]);

    // stopping exports the last spans
    await app.stop();
    expect(services).toEqual(new Set(["bus-trace-test"]));
    const names = (trace: string | undefined) =>
      spans
        .filter((s) => s.traceId === trace)
        .map((s) => s.name)
        .sort();
    expect(names(traceA)).toEqual(["deliver", "deliver", "handler", "handler", "publish", "replay"]);
    expect(names(traceC)).toEqual(
      [
        "publish",
        "deliver",
        "handler",
        "deliver",
        "handler",
        "dead-letter",
        "requeue",
        "deliver",
        "handler",
        "replay",
        "deliver",
        "handler",
      ].sort(),
    );
    // B's trace starts at its publish span: the stored traceparent is that span's context
    const publishB = spans.find((s) => s.traceId === traceB && s.name === "publish");
    expect(publishB?.parentSpanId).toBeUndefined();
    expect(storedB.body.event.traceparent).toContain(publishB?.spanId);
    const deliversB = spans.filter((s) => s.traceId === traceB && s.name === "deliver");
    expect(deliversB.length).toBe(2);
    expect(deliversB.every((s) => s.parentSpanId === publishB?.spanId)).toBe(true);
    // handler spans are children of their delivery span
    const handlerA = spans.filter((s) => s.traceId === traceA && s.name === "handler");
    const deliverIdsA = new Set(spans.filter((s) => s.traceId === traceA && s.name === "deliver").map((s) => s.spanId));
    expect(handlerA.every((s) => deliverIdsA.has(s.parentSpanId ?? ""))).toBe(true);
    // A's spans hang from the caller's span (the HTTP header's parent id)
    expect(spans.find((s) => s.traceId === traceA && s.name === "publish")?.parentSpanId).toBe("00f067aa0ba902b7");
    const replaySpan = spans.find((s) => s.traceId === traceA && s.name === "replay");
    expect(replaySpan?.attributes?.find((x) => x.key === "anumate.replay_id")?.value).toEqual({ stringValue: r.body.id });
  });

  it("is off (the no-op tracer) without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    const plain = await startTestApp(testConfig());
    try {
      expect(plain.config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
      expect(plain.container.observability.tracer.enabled).toBe(false);
      const res = await fetch(`${plain.url}/api/events`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify({ specversion: "1.0", id: randomUUID(), source: "/t", type: "com.anumate.untraced" }),
      });
      const { seq } = (await res.json()) as { seq: number };
      const stored = (await (await fetch(`${plain.url}/api/events/${seq}`)).json()) as { event: Record<string, unknown> };
      expect(stored.event.traceparent).toBeUndefined(); // nothing is invented when tracing is off
    } finally {
      await plain.stop();
      await cleanup(plain.config);
    }
  });
});
