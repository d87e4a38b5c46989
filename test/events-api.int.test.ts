import { randomBytes, randomUUID } from "node:crypto";
import { request } from "node:http";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";

let app: TestApp;
let nc: NatsConnection;

beforeAll(async () => {
  app = await startTestApp(testConfig({ MAX_EVENT_BYTES: "65536", MAX_BATCH_EVENTS: "50" }));
  nc = await connect({ servers: app.config.NATS_URL });
});

afterAll(async () => {
  await nc?.close();
  await app?.stop();
  if (app) await cleanup(app.config);
});

const structured = (e: object) => ({ "content-type": "application/cloudevents+json", body: JSON.stringify(e) });

async function post(path: string, headers: Record<string, string>, body?: string | Uint8Array) {
  const res = await fetch(app.url + path, {
    method: "POST",
    headers,
    body: typeof body === "object" ? new Uint8Array(body) : body,
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown> & {
      error?: { code: string; details?: { field: string; rule: string; index?: number }[] };
    },
  };
}

async function postEvent(e: object) {
  const { body, ...headers } = structured(e);
  return post("/api/events", headers, body);
}

function ce(extra: Record<string, unknown> = {}) {
  return { specversion: "1.0", id: randomUUID(), source: "/tests/api", type: "com.anumate.test.created", ...extra };
}

async function stored(seq: number) {
  const res = await fetch(`${app.url}/api/events/${seq}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { seq: number; storedAt: string; tenant: string; event: Record<string, unknown> };
}

describe("POST /api/events — structured mode", () => {
  it("stores the event and answers 202 with its position", async () => {
    const e = ce({ data: { capsuleId: "c1", n: 1 }, tenantid: "acme", subject: "capsules/c1" });
    const r = await postEvent(e);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      id: e.id,
      source: e.source,
      tenant: "acme",
      stream: app.config.STREAM_NAME,
      duplicate: false,
    });
    const s = await stored(r.body.seq as number);
    expect(s.tenant).toBe("acme");
    expect(s.event).toMatchObject({
      id: e.id,
      type: e.type,
      subject: "capsules/c1",
      tenantid: "acme",
      data: { capsuleId: "c1", n: 1 },
    });
  });

  it("is idempotent by (tenant, source, id): a retry is stored once and answered duplicate", async () => {
    const e = ce({ data: 1 });
    const first = await postEvent(e);
    const again = await postEvent(e);
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(true);
    expect(again.body.seq).toBe(first.body.seq);
    // the same id from another source is a different event
    const other = await postEvent({ ...e, source: "/tests/other" });
    expect(other.body.duplicate).toBe(false);
    expect(other.body.seq).not.toBe(first.body.seq);
  });

  it("keeps typed extensions (Integer, Boolean) through storage", async () => {
    const r = await postEvent(ce({ count: 42, flag: false, label: "x" }));
    const s = await stored(r.body.seq as number);
    expect(s.event.count).toBe(42);
    expect(s.event.flag).toBe(false);
    expect(s.event.label).toBe("x");
  });

  it("keeps data_base64 bytes exactly", async () => {
    const bytes = randomBytes(1000);
    const r = await postEvent(ce({ datacontenttype: "application/octet-stream", data_base64: bytes.toString("base64") }));
    const s = await stored(r.body.seq as number);
    expect(Buffer.from(s.event.data_base64 as string, "base64").equals(bytes)).toBe(true);
  });

  it("rejects an invalid event with 400 naming each field and rule, and stores nothing", async () => {
    const before = await app.container.store.figures();
    const r = await postEvent({ specversion: "1.0", id: "", source: "not a uri", time: "2026-02-30T00:00:00Z", Bad_Name: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe("VALIDATION");
    const fields = r.body.error?.details?.map((d) => d.field).sort();
    expect(fields).toEqual(expect.arrayContaining(["id", "type", "source", "time", "Bad_Name"]));
    for (const d of r.body.error?.details ?? []) expect(d.rule.length).toBeGreaterThan(3);
    expect((await app.container.store.figures()).lastSeq).toBe(before.lastSeq);
  });

  it("answers 400 for a body that is not JSON, and 415 for an unknown event format", async () => {
    const bad = await post("/api/events", { "content-type": "application/cloudevents+json" }, "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.error?.details?.[0]?.field).toBe("body");
    const avro = await post("/api/events", { "content-type": "application/cloudevents+avro" }, "x");
    expect(avro.status).toBe(415);
    expect(avro.body.error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("POST /api/events — binary mode", () => {
  it("reads ce- headers (percent-decoded) and keeps JSON data as JSON", async () => {
    const id = randomUUID();
    const r = await post(
      "/api/events",
      {
        "content-type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": id,
        "ce-source": "/tests/binary",
        "ce-type": "com.anumate.test.binary",
        "ce-subject": "Euro%20%E2%82%AC%20%F0%9F%98%80",
        "ce-tenantid": "acme",
      },
      JSON.stringify({ hello: "world" }),
    );
    expect(r.status).toBe(202);
    const s = await stored(r.body.seq as number);
    expect(s.event).toMatchObject({ id, subject: "Euro € 😀", datacontenttype: "application/json", data: { hello: "world" } });
  });

  it("keeps binary data (an image) byte for byte", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(5000)]);
    const r = await post(
      "/api/events",
      {
        "content-type": "image/png",
        "ce-specversion": "1.0",
        "ce-id": randomUUID(),
        "ce-source": "/cam",
        "ce-type": "com.anumate.test.image",
      },
      png,
    );
    expect(r.status).toBe(202);
    const s = await stored(r.body.seq as number);
    expect(s.event.datacontenttype).toBe("image/png");
    expect(Buffer.from(s.event.data_base64 as string, "base64").equals(png)).toBe(true);
    // and straight from NATS: the payload is the bytes
    const jsm = await jetstreamManager(nc);
    const m = await jsm.streams.getMessage(app.config.STREAM_NAME, { seq: r.body.seq as number });
    expect(Buffer.from(m?.data ?? []).equals(png)).toBe(true);
    expect(m?.header.get("ce-type")).toBe("com.anumate.test.image");
  });

  it("rejects ce-datacontenttype, bad percent-encoding and invalid JSON data", async () => {
    const base = { "ce-specversion": "1.0", "ce-id": "x", "ce-source": "/s", "ce-type": "t" };
    const r1 = await post("/api/events", { ...base, "content-type": "text/plain", "ce-datacontenttype": "text/plain" }, "hi");
    expect(r1.status).toBe(400);
    expect(r1.body.error?.details?.map((d) => d.field)).toContain("ce-datacontenttype");
    const r2 = await post("/api/events", { ...base, "ce-subject": "%C0%A0" }, "");
    expect(r2.status).toBe(400);
    expect(r2.body.error?.details?.map((d) => d.field)).toContain("ce-subject");
    const r3 = await post("/api/events", { ...base, "content-type": "application/json" }, "I'm just a string");
    expect(r3.status).toBe(400);
    expect(r3.body.error?.details?.map((d) => d.field)).toContain("data");
  });

  it("answers 400 (not 500) to a JSON body without ce- headers, naming the missing attributes", async () => {
    const r = await post("/api/events", { "content-type": "application/json" }, JSON.stringify(ce()));
    expect(r.status).toBe(400);
    expect(r.body.error?.details?.map((d) => d.field)).toEqual(
      expect.arrayContaining(["ce-specversion", "ce-id", "ce-source", "ce-type"]),
    );
  });

  it("takes trace context from the HTTP traceparent header when the event has none", async () => {
    const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const r = await post(
      "/api/events",
      { traceparent: tp, "ce-specversion": "1.0", "ce-id": randomUUID(), "ce-source": "/s", "ce-type": "com.anumate.test.trace" },
      "",
    );
    const s = await stored(r.body.seq as number);
    expect(s.event.traceparent).toBe(tp);
    // an event's own traceparent wins
    const own = "00-11111111111111111111111111111111-2222222222222222-01";
    const r2 = await post(
      "/api/events",
      { traceparent: tp, ...structured(ce({ traceparent: own })) },
      JSON.stringify(ce({ traceparent: own })),
    );
    expect((await stored(r2.body.seq as number)).event.traceparent).toBe(own);
  });
});

describe("POST /api/events — batch mode", () => {
  const batch = (events: object[]) =>
    post("/api/events", { "content-type": "application/cloudevents-batch+json" }, JSON.stringify(events));

  it("stores every event and answers results in request order", async () => {
    const events = Array.from({ length: 20 }, (_, i) => ce({ data: { i }, tenantid: i % 2 ? "acme" : "globex" }));
    const r = await batch(events);
    expect(r.status).toBe(202);
    const results = r.body.results as { id: string; seq: number; tenant: string }[];
    expect(results.map((x) => x.id)).toEqual(events.map((e) => e.id));
    expect(results.map((x) => x.tenant)).toEqual(events.map((_, i) => (i % 2 ? "acme" : "globex")));
    const seqs = results.map((x) => x.seq);
    expect(new Set(seqs).size).toBe(20);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it("accepts the empty batch", async () => {
    const r = await batch([]);
    expect(r.status).toBe(202);
    expect(r.body.results).toEqual([]);
  });

  it("stores nothing when any event is invalid, with one detail per problem carrying its index", async () => {
    const before = await app.container.store.figures();
    const r = await batch([ce(), { ...ce(), specversion: "0.3" }, ce(), { ...ce(), type: 7 }]);
    expect(r.status).toBe(400);
    const details = r.body.error?.details ?? [];
    expect(details.map((d) => d.index)).toEqual([1, 3]);
    expect(details.map((d) => d.field)).toEqual(["specversion", "type"]);
    expect((await app.container.store.figures()).lastSeq).toBe(before.lastSeq);
  });

  it("answers 413 over the batch limit", async () => {
    const r = await batch(Array.from({ length: 51 }, () => ce()));
    expect(r.status).toBe(413);
    expect(r.body.error?.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("size limits", () => {
  it("answers 413 for an event over MAX_EVENT_BYTES", async () => {
    const r = await postEvent(ce({ data: "x".repeat(70_000) }));
    expect(r.status).toBe(413);
    expect(r.body.error?.details?.[0]?.rule).toMatch(/at most 65536 bytes/);
  });

  it("refuses an oversized streamed body while reading it, without waiting for the rest", async () => {
    // a chunked body with no content-length that would go on for 50 MB
    const answer = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      const req = request(`${app.url}/api/events`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json", "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sent }));
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 50 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(answer.sent).toBeLessThan(50 * 1024 * 1024);
  });
});

describe("POST /api/events/publish (the seed's form)", () => {
  it("builds the CloudEvent: UUID id, current time, tenant and correlation as extensions", async () => {
    const t0 = Date.now();
    const r = await post(
      "/api/events/publish?source=/services/capsule-registry",
      { "content-type": "application/json" },
      JSON.stringify({
        event_type: "com.anumate.capsule.created",
        data: { capsuleId: "c9" },
        tenant_id: "acme",
        correlation_id: "corr-1",
        subject: "c9",
      }),
    );
    expect(r.status).toBe(202);
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const s = await stored(r.body.seq as number);
    expect(s.event).toMatchObject({
      source: "/services/capsule-registry",
      type: "com.anumate.capsule.created",
      tenantid: "acme",
      correlationid: "corr-1",
      subject: "c9",
      data: { capsuleId: "c9" },
    });
    expect(Date.parse(s.event.time as string)).toBeGreaterThanOrEqual(t0 - 1000);
  });

  it("names the snake_case field in errors", async () => {
    const r = await post(
      "/api/events/publish?source=/s",
      { "content-type": "application/json" },
      JSON.stringify({ event_type: "t", tenant_id: "has space" }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error?.details?.[0]?.field).toBe("tenant_id");
    const noSource = await post(
      "/api/events/publish",
      { "content-type": "application/json" },
      JSON.stringify({ event_type: "t" }),
    );
    expect(noSource.status).toBe(400);
    expect(noSource.body.error?.details?.[0]?.field).toBe("source");
    const unknown = await post(
      "/api/events/publish?source=/s",
      { "content-type": "application/json" },
      JSON.stringify({ eventType: "t" }),
    );
    expect(unknown.status).toBe(400);
  });
});

describe("storage in JetStream", () => {
  it("stores under <prefix>.<tenant>.<type tokens>, escaping unsafe characters reversibly", async () => {
    const r = await postEvent(ce({ type: "com.anumate.weird type*.x", tenantid: "t-1" }));
    expect(r.status).toBe(202);
    const jsm = await jetstreamManager(nc);
    const m = await jsm.streams.getMessage(app.config.STREAM_NAME, { seq: r.body.seq as number });
    expect(m?.subject).toBe(`${app.config.SUBJECT_PREFIX}.t-1.com.anumate.weird~20type~2A.x`);
    expect((await stored(r.body.seq as number)).event.type).toBe("com.anumate.weird type*.x");
  });

  it("reads events that services publish straight to NATS, in binary and in structured mode", async () => {
    const js = jetstream(nc);
    const h = natsHeaders();
    h.set("ce-specversion", "1.0");
    h.set("ce-id", "nats-bin-1");
    h.set("ce-source", "/nats/service");
    h.set("ce-type", "com.anumate.test.nats");
    h.set("ce-datacontenttype", "application/json");
    h.set("ce-subject", "caf%C3%A9");
    const a = await js.publish(`${app.config.SUBJECT_PREFIX}.acme.com.anumate.test.nats`, JSON.stringify({ via: "binary" }), {
      headers: h,
    });
    const sh = natsHeaders();
    sh.set("content-type", "application/cloudevents+json");
    const b = await js.publish(
      `${app.config.SUBJECT_PREFIX}.acme.com.anumate.test.nats`,
      JSON.stringify(ce({ id: "nats-str-1", type: "com.anumate.test.nats", data: { via: "structured" } })),
      { headers: sh },
    );
    const sa = await stored(a.seq);
    expect(sa.event).toMatchObject({ id: "nats-bin-1", subject: "café", data: { via: "binary" } });
    expect(sa.tenant).toBe("acme");
    const sb = await stored(b.seq);
    expect(sb.event).toMatchObject({ id: "nats-str-1", data: { via: "structured" } });
  });
});

describe("GET /api/events (history)", () => {
  const tenant = `h${randomBytes(3).toString("hex")}`;
  const seqs: number[] = [];
  let midTime = "";

  beforeAll(async () => {
    for (let i = 0; i < 6; i++) {
      const type = i < 3 ? "com.anumate.capsule.created" : "com.anumate.policy.violated";
      const r = await postEvent(ce({ type, tenantid: tenant, subject: i % 2 ? "odd" : "even", data: { i } }));
      seqs.push(r.body.seq as number);
      if (i === 2) {
        await new Promise((res) => setTimeout(res, 20));
        midTime = new Date().toISOString();
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    await postEvent(ce({ tenantid: `${tenant}x` }));
  });

  type Page = { items: { seq: number; event: { data: { i: number } } }[]; next: string | null };
  const list = async (q: string) => {
    const res = await fetch(`${app.url}/api/events?${q}`);
    return { status: res.status, body: (await res.json()) as Page };
  };

  it("filters by tenant, in sequence order", async () => {
    const r = await list(`tenant=${tenant}&limit=100`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((x) => x.seq)).toEqual(seqs);
    expect(r.body.next).toBeNull();
  });

  it("filters by type: exact, one more token (*) and any more (>)", async () => {
    expect((await list(`tenant=${tenant}&type=com.anumate.capsule.created`)).body.items).toHaveLength(3);
    expect((await list(`tenant=${tenant}&type=com.anumate.policy.*`)).body.items).toHaveLength(3);
    expect((await list(`tenant=${tenant}&type=com.anumate.>`)).body.items).toHaveLength(6);
    expect((await list(`tenant=${tenant}&type=com.*`)).body.items).toHaveLength(0);
  });

  it("filters by CloudEvents subject and by time range", async () => {
    expect((await list(`tenant=${tenant}&subject=odd`)).body.items.map((x) => x.event.data.i)).toEqual([1, 3, 5]);
    expect((await list(`tenant=${tenant}&from=${encodeURIComponent(midTime)}`)).body.items.map((x) => x.event.data.i)).toEqual([
      3, 4, 5,
    ]);
    expect((await list(`tenant=${tenant}&to=${encodeURIComponent(midTime)}`)).body.items.map((x) => x.event.data.i)).toEqual([
      0, 1, 2,
    ]);
  });

  it("pages with limit and cursor until next is null", async () => {
    const got: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { body: Page } = await list(`tenant=${tenant}&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      got.push(...r.body.items.map((x) => x.seq));
      cursor = r.body.next;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(got).toEqual(seqs);
    expect(pages).toBe(2);
  });

  it("starts from a sequence", async () => {
    const r = await list(`tenant=${tenant}&fromSeq=${seqs[4]}`);
    expect(r.body.items.map((x) => x.seq)).toEqual(seqs.slice(4));
  });

  it("rejects bad query parameters with 400 naming them", async () => {
    for (const [q, field] of [
      ["limit=0", "limit"],
      ["limit=5000", "limit"],
      ["type=a.>.b", "type"],
      ["from=yesterday", "from"],
      ["fromSeq=-1", "fromSeq"],
      ["bogus=1", "body"],
    ] as const) {
      const res = await fetch(`${app.url}/api/events?${q}`);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: { details: { field: string }[] } };
      if (field !== "body") expect(body.error.details[0]?.field, q).toBe(field);
    }
  });

  it("GET /api/events/{seq} answers 404 for a missing event and 400 for a bad seq", async () => {
    expect((await fetch(`${app.url}/api/events/99999999`)).status).toBe(404);
    expect((await fetch(`${app.url}/api/events/abc`)).status).toBe(400);
  });
});

describe("limits on headers and attributes", () => {
  it("answers 413 for too many headers, 400 for over-long attributes and too many extensions", async () => {
    const many: Record<string, string> = { "content-type": "application/cloudevents+json" };
    for (let i = 0; i < 140; i++) many[`x-h${i}`] = "1";
    const h = await post("/api/events", many, JSON.stringify(ce()));
    expect(h.status).toBe(413);
    expect(h.body.error?.details?.[0]?.field).toBe("headers");
    const long = await postEvent(ce({ subject: "s".repeat(5000) }));
    expect(long.status).toBe(400);
    expect(long.body.error?.details?.[0]).toMatchObject({ field: "subject", rule: "must be at most 4096 characters" });
    const ext: Record<string, string> = {};
    for (let i = 0; i < 70; i++) ext[`x${i}`] = "v";
    const tooMany = await postEvent(ce(ext));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.details?.some((d) => /at most 64 extension/.test(d.rule))).toBe(true);
  });
});
