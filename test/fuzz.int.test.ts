import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { Agent } from "node:http";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, HTTP_STATUS } from "../lib/errors";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import {
  deepJson,
  type FuzzAnswer,
  type HttpCase,
  mutateBytes,
  mutateJson,
  nastyString,
  PROTO_KEYS,
  pctEncode,
  prng,
  type Rng,
  randomValue,
  sendHttp,
  sendRaw,
} from "../server/testing/http-fuzz";

/**
 * Fuzzes the HTTP binding and the JSON routes with thousands of random and mutated requests:
 * every answer must be a 2xx, or a 4xx with the JSON error shape and a code of lib/errors.ts;
 * never a 5xx, a non-JSON error, a hang or a crash; the heap must end where it started.
 *
 * Reproduce a run with `FUZZ_SEED=<seed printed> npx vitest run test/fuzz.int.test.ts`
 * (`FUZZ_RUNS` changes the number of requests; default 5000).
 */

// a fixed seed by default, so CI runs the same requests every time; FUZZ_SEED=random explores
const SEED =
  process.env.FUZZ_SEED === "random"
    ? randomInt(1, 2 ** 31 - 1)
    : process.env.FUZZ_SEED
      ? Number(process.env.FUZZ_SEED)
      : 1_736_952_235;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 5000;
const CONCURRENCY = 8;
const ADMIN = `fuzz-admin-${randomBytes(12).toString("hex")}`;
const MAX_EVENT_BYTES = 65_536;

let app: TestApp;
let base: URL;
let tenantKey = "";
let subId = "";
const seqs: number[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** `global.gc` without `--expose-gc` on the command line. */
function getGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

beforeAll(async () => {
  app = await startTestApp(
    testConfig({
      AUTH_DISABLED: "false",
      ADMIN_API_KEY: ADMIN,
      MAX_EVENT_BYTES: String(MAX_EVENT_BYTES),
      MAX_BATCH_EVENTS: "50",
      MAX_BATCH_BYTES: String(512 * 1024),
      // the fuzzer sends thousands of requests with one key: limits would answer most of them 429
      RATE_LIMIT_KEY_REQUESTS: "0",
      RATE_LIMIT_KEY_EVENTS: "0",
      RATE_LIMIT_TENANT_REQUESTS: "0",
      RATE_LIMIT_TENANT_EVENTS: "0",
    }),
  );
  base = new URL(app.url);
  const admin = { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" };
  const sub = await fetch(`${app.url}/api/subscriptions`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ name: "fuzz-sub", tenant: "fuzz", target: { type: "internal" } }),
  });
  subId = ((await sub.json()) as { id: string }).id;
  const key = await fetch(`${app.url}/api/keys`, {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ name: "fuzz-tenant", tenant: "fuzz", roles: ["publisher", "subscriber", "operator"] }),
  });
  tenantKey = ((await key.json()) as { key: string }).key;
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${app.url}/api/events`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/cloudevents+json" },
      body: JSON.stringify(event()),
    });
    seqs.push(((await r.json()) as { seq: number }).seq);
  }
  expect(subId).not.toBe("");
  expect(tenantKey).toMatch(/^anm_/);
});

afterAll(async () => {
  agent.destroy();
  await app?.stop();
  if (app) await cleanup(app.config);
});

function event(): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: randomUUID(),
    source: "/tests/fuzz",
    type: "com.anumate.fuzz.created",
    time: new Date().toISOString(),
    subject: "fuzz/1",
    tenantid: "fuzz",
    datacontenttype: "application/json",
    data: { n: 1, s: "x" },
  };
}

// ------------------------------------------------------------------------------------------------
// Request generation

interface Case {
  kind: string;
  /** Raw bytes instead of node:http. */
  raw?: Buffer;
  http?: HttpCase;
  /** The request is cut or over a body limit: the server may close without answering. */
  mayDrop?: boolean;
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "APPLICATION/CLOUDEVENTS+JSON; charset=UTF-8",
  "application/cloudevents+json",
  "application/cloudevents-batch+json",
  "application/cloudevents+avro",
  "application/cloudevents-batch+protobuf",
  "application/cloudevents",
  "text/plain",
  "text/plain; charset=iso-8859-1",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----x",
  "application/octet-stream",
  "application/xml",
  "*/*",
  "",
  ";",
  "application/json;;;charset=",
  "x".repeat(3000),
  "application/json, text/plain",
];

function authHeaders(r: Rng): [string, string][] {
  const p = r.next();
  if (p < 0.7) return [["authorization", `Bearer ${ADMIN}`]];
  if (p < 0.78) return [["authorization", `Bearer ${tenantKey}`]];
  if (p < 0.85) return [];
  if (p < 0.95) {
    return [
      [
        "authorization",
        r.pick([
          "Bearer",
          "Bearer ",
          "Basic YWRtaW46YWRtaW4=",
          `Bearer ${"a".repeat(r.int(100, 6000))}`,
          `bearer ${ADMIN}`,
          `Bearer anm_000000000000_${randomBytes(16).toString("hex")}`,
          `Bearer anm_${"z".repeat(12)}_`,
          ADMIN,
          `Bearer ${ADMIN} extra`,
          `Bearer\t${ADMIN}`,
          `Bearer ${ADMIN.slice(0, -1)}`,
          `Bearer ${tenantKey.toUpperCase()}`,
          "Bearer anm_",
          `Bearer ${Buffer.from(r.bytes(20))
            .toString("latin1")
            .replace(/[\r\n\0]/g, "")}`,
        ]),
      ],
    ];
  }
  const cookie = r.pick([
    "anumate_session=%E0%A4%A",
    "anumate_session=%",
    "anumate_session=",
    `anumate_session=${"a".repeat(r.int(10, 4000))}`,
    `anumate_session=${randomUUID()}`,
    "anumate_session",
    "=; ;;; anumate_session=%zz",
    `a=b; anumate_session=${encodeURIComponent(ADMIN)}; c=d`,
    `anumate_session=${Buffer.from(r.bytes(12))
      .toString("latin1")
      .replace(/[\r\n\0;]/g, "")}`,
  ]);
  return r.chance(0.2)
    ? [
        ["cookie", cookie],
        ["authorization", `Bearer ${ADMIN}`],
      ]
    : [["cookie", cookie]];
}

function extraHeaders(r: Rng): [string, string][] {
  const out: [string, string][] = [];
  if (r.chance(0.12)) {
    for (let i = r.int(1, 4); i > 0; i--) {
      out.push(
        r.pick<[string, string]>([
          [
            "traceparent",
            r.pick([
              "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
              "zz",
              "00-00000000000000000000000000000000-0000000000000000-00",
              "x".repeat(300),
            ]),
          ],
          ["tracestate", "a=b,".repeat(r.int(1, 200))],
          ["expect", r.pick(["100-continue", "200-ok", "nothing"])],
          ["content-encoding", r.pick(["gzip", "br", "identity", "x"])],
          ["accept-encoding", "gzip, deflate, br"],
          ["accept", r.pick(["*/*", "text/html", "application/json;q=0", ""])],
          ["origin", r.pick(["https://evil.example", "null", base.origin])],
          ["x-forwarded-proto", "https"],
          ["last-event-id", r.pick(["-1", "abc", "99999999999999999999", "1"])],
          ["host", r.pick(["", "evil.example", "a".repeat(500)])],
          ["content-security-policy", "script-src 'nonce-evil'"],
          [
            `x-${
              nastyString(r)
                .replace(/[^a-z0-9-]/gi, "")
                .slice(0, 20) || "a"
            }`,
            "1",
          ],
          ["ce-id", randomUUID()],
          ["range", "bytes=0-1"],
          ["if-none-match", "*"],
        ]),
      );
    }
  }
  if (r.chance(0.02)) for (let i = r.int(50, 400); i > 0; i--) out.push([`x-h${i}`, "v".repeat(r.int(0, 20))]);
  if (r.chance(0.015)) out.push(["x-huge", "h".repeat(r.int(4000, 20000))]);
  return out;
}

/** A JSON body from a valid template: mutated, sometimes deeply nested, prototype-keyed, byte-damaged or huge. */
function jsonBodyFrom(r: Rng, template: unknown, limit: number): { body: Buffer; mayDrop: boolean } {
  const value = r.chance(0.8) ? mutateJson(r, template, r.int(1, 3)) : template;
  let text = JSON.stringify(value) ?? "null";
  if (r.chance(0.05)) {
    const deep = deepJson(r, r.pick([50, 500, 5000, 20000]));
    text = text.startsWith("{") && text.length > 2 ? `{"deep":${deep},${text.slice(1)}` : deep;
    if (r.chance(0.3)) text = text.replace(/^\{/, `{"filters":[${deepJson(r, 3000)}],`);
  }
  if (r.chance(0.05) && text.startsWith("{")) {
    const k = r.pick(PROTO_KEYS);
    text = `{"${k}":${JSON.stringify(randomValue(r))},${text.slice(1)}`.replace(/,}$/, "}");
  }
  if (r.chance(0.03) && text.startsWith("{"))
    text = `{"__proto__":{"admin":true,"tenants":"*"},"constructor":{"prototype":{"x":1}},${text.slice(1)}`;
  if (r.chance(0.03) && text.startsWith("{") && text.length > 2) {
    // duplicate keys: the last wins in JSON.parse
    text = `{"name":1,"name":"dup","id":"x",${text.slice(1)}`;
  }
  let body: Buffer = Buffer.from(text);
  let mayDrop = false;
  if (r.chance(0.15)) body = mutateBytes(r, body).body;
  if (r.chance(0.02)) {
    body = Buffer.concat([body, Buffer.alloc(limit + r.int(1, 200_000), 0x20)]);
    mayDrop = true;
  }
  return { body, mayDrop };
}

function withBody(r: Rng, method: string, path: string, ct: string, body: Buffer, mayDrop: boolean, kind: string): Case {
  const headers: [string, string][] = [...authHeaders(r), ...extraHeaders(r)];
  const contentType = r.chance(0.8) ? ct : r.pick(CONTENT_TYPES);
  if (contentType !== "" || r.chance(0.5)) headers.push(["content-type", contentType]);
  return { kind, mayDrop, http: { method, path, headers, body, ...(r.chance(0.15) ? { chunks: r.int(2, 6) } : {}) } };
}

function structuredCase(r: Rng): Case {
  const { body, mayDrop } = jsonBodyFrom(r, event(), singleLimit());
  return withBody(r, "POST", "/api/events", "application/cloudevents+json", body, mayDrop, "structured");
}

function batchCase(r: Rng): Case {
  const n = r.pick([0, 1, 2, 5, 20, 51]);
  const { body, mayDrop } = jsonBodyFrom(
    r,
    Array.from({ length: n }, () => event()),
    512 * 1024,
  );
  return withBody(r, "POST", "/api/events", "application/cloudevents-batch+json", body, mayDrop, "batch");
}

const singleLimit = () => Math.ceil((MAX_EVENT_BYTES * 4) / 3) + 64 * 1024;

function binaryCase(r: Rng): Case {
  const e = event();
  const headers: [string, string][] = [...authHeaders(r), ...extraHeaders(r)];
  for (const [k, v] of Object.entries(e)) {
    if (k === "data" || k === "datacontenttype") continue;
    if (r.chance(0.08)) continue; // drop an attribute
    let value = String(v);
    if (r.chance(0.15)) {
      value = r.pick([
        () => nastyString(r),
        () => `${value}%`,
        () => `${value}%G0`,
        () => "%E9%80",
        () => "%C3%28",
        () => "%F4%90%80%80",
        () => `"${value}"`,
        () => `"${value}`,
        () => `"a\\"b"`,
        () => pctEncode(nastyString(r)),
        () => "v".repeat(r.int(1000, 12000)),
      ])();
    }
    headers.push([r.chance(0.05) ? `CE-${k.toUpperCase()}` : `ce-${k}`, value]);
  }
  if (r.chance(0.1)) headers.push([`ce-${r.pick(["id", "type", "datacontenttype", "specversion"])}`, "dup"]);
  if (r.chance(0.1)) {
    headers.push([
      `ce-${r.pick(["Ext", "ex_t", "x".repeat(30), "__proto__", "constructor", "", "tenantid", "traceparent", "count"])}`,
      nastyString(r),
    ]);
  }
  if (r.chance(0.03)) for (let i = r.int(20, 300); i > 0; i--) headers.push([`ce-ext${i}`, String(i)]);
  const ct = r.chance(0.7) ? "application/json" : r.pick(CONTENT_TYPES);
  if (ct !== "") headers.push(["content-type", ct]);
  let body: Buffer = Buffer.from(JSON.stringify(r.chance(0.7) ? e.data : randomValue(r, 3)) ?? "");
  if (r.chance(0.2)) body = mutateBytes(r, body).body;
  if (r.chance(0.05)) body = r.bytes(r.int(0, 4000));
  let mayDrop = false;
  if (r.chance(0.02)) {
    body = Buffer.alloc(singleLimit() + r.int(1, 100_000), 0x61);
    mayDrop = true;
  }
  return {
    kind: "binary",
    mayDrop,
    http: { method: "POST", path: "/api/events", headers, body, ...(r.chance(0.1) ? { chunks: 3 } : {}) },
  };
}

function simplePublishCase(r: Rng): Case {
  const { body, mayDrop } = jsonBodyFrom(
    r,
    { event_type: "com.anumate.fuzz.simple", data: { a: [1, 2] }, tenant_id: "fuzz", subject: "s", correlation_id: "c-1" },
    singleLimit(),
  );
  const source = r.chance(0.7)
    ? "/fuzz"
    : r.chance(0.5)
      ? pctEncode(nastyString(r))
      : nastyString(r).replace(/[^\x21-\x7e]/g, "");
  const q = r.chance(0.9) ? `?source=${source}` : r.pick(["", "?", "?source=", "?source", "?source=a&source=b", "?%zz=1"]);
  return withBody(r, "POST", `/api/events/publish${q}`, "application/json", body, mayDrop, "publish-simple");
}

function idSegment(r: Rng, real: string): string {
  return r.pick([
    () => real,
    () => real,
    () => randomUUID(),
    () => "..",
    () => "%2e%2e",
    () => "%00",
    () => "%",
    () => "%C3%28",
    () => "%F0%9F%98%80",
    () => "a".repeat(r.int(100, 3000)),
    () => pctEncode(nastyString(r)),
    () => "__proto__",
    () => "constructor",
    () => "0",
    () => "-1",
    () => "1e400",
    () => "9007199254740993",
    () => "*",
    () => ">",
    () => "a.b",
    () => "KV.x",
  ])();
}

function jsonRouteCase(r: Rng): Case {
  const sub = idSegment(r, subId);
  const seq = String(seqs[0] ?? 1);
  const routes: [string, string, unknown][] = [
    [
      "POST",
      "/api/subscriptions",
      {
        name: `f-${r.int(0, 1e6)}`,
        tenant: "fuzz",
        types: ["com.anumate.fuzz.*"],
        filters: [{ exact: { type: "com.anumate.fuzz.created" } }, { not: { prefix: { subject: "x" } } }],
        target: r.chance(0.5) ? { type: "internal" } : { type: "push", url: "http://127.0.0.1:9/hook", timeoutMs: 1000 },
        retry: { maxAttempts: 3, initialDelayMs: 10, multiplier: 2, maxDelayMs: 100, jitter: 0.1 },
        startAt: r.pick([
          { type: "new" },
          { type: "all" },
          { type: "sequence", value: 1 },
          { type: "time", value: new Date().toISOString() },
        ]),
        maxInFlight: 10,
        circuit: { failureThreshold: 5, cooldownMs: 1000 },
      },
    ],
    ["PATCH", `/api/subscriptions/${sub}`, { maxInFlight: 5, types: ["com.anumate.fuzz.>"], retry: { maxAttempts: 2 } }],
    [
      "POST",
      `/api/subscriptions/${sub}/reset`,
      r.chance(0.5) ? { to: { sequence: 1 } } : { to: { time: new Date().toISOString() } },
    ],
    ["POST", `/api/subscriptions/${sub}/${r.pick(["pause", "resume"])}`, {}],
    [
      "POST",
      "/api/replays",
      {
        from: { sequence: Number(seq) },
        to: { sequence: Number(seq) + 2 },
        filter: { tenant: "fuzz", types: ["com.anumate.fuzz.*"], filters: [{ exact: { subject: "fuzz/1" } }] },
        target: r.chance(0.5) ? { type: "subscription", id: subId } : { type: "stream" },
        dryRun: r.chance(0.7),
        ratePerSec: 100,
      },
    ],
    [
      "POST",
      "/api/dead-letters/requeue",
      { filter: { tenant: "fuzz", type: "com.anumate.fuzz.created", q: "x" }, dryRun: true, ratePerSec: 10 },
    ],
    ["POST", "/api/dead-letters/requeue", { ids: ["1", "2"], dryRun: r.chance(0.5) }],
    ["POST", "/api/dead-letters/discard", { ids: ["999999"], dryRun: true }],
    ["POST", `/api/dead-letters/${idSegment(r, "1")}/requeue`, {}],
    ["POST", "/api/keys", { name: "fuzz-key", tenant: "fuzz", roles: ["subscriber"], types: ["com.anumate.*"] }],
    ["POST", "/api/session", { key: r.chance(0.5) ? "wrong" : ADMIN }],
    ["POST", "/api/events/publish?source=/fuzz", { event_type: "com.anumate.fuzz.json" }],
  ];
  const [method, path, template] = r.pick(routes);
  const { body, mayDrop } = jsonBodyFrom(r, template, 256 * 1024);
  return withBody(
    r,
    method,
    path,
    "application/json",
    r.chance(0.05) ? Buffer.alloc(0) : body,
    mayDrop,
    `json ${method} ${path.split("?")[0]?.replace(sub, ":id")}`,
  );
}

const QUERY_NAMES = [
  "tenant",
  "type",
  "subject",
  "from",
  "to",
  "fromSeq",
  "limit",
  "cursor",
  "subscription",
  "q",
  "actor",
  "action",
  "window",
  "metric",
  "by",
  "replay",
  "__proto__",
  "constructor",
  "x",
];

function queryValue(r: Rng): string {
  const v = r.pick([
    () => "fuzz",
    () => "com.anumate.fuzz.*",
    () => "com.anumate.>",
    () => r.pick(["5m", "15m", "1h", "6h", "24h", "7d", ""]),
    () => r.pick(["published", "delivered", "failed", "nope"]),
    () => r.pick(["type", "tenant"]),
    () => String(r.int(-5, 2000)),
    () => r.pick(["1e3", "0x10", "-0", "1.5", "99999999999999999999999", "NaN", "Infinity"]),
    () => new Date(r.int(0, 4e12)).toISOString(),
    () => r.pick(["now", "seq:1", "seq:-1", "time:2026-01-01T00:00:00Z", "time:nope", "seq:"]),
    () => nastyString(r),
  ])();
  return r.chance(0.8) ? pctEncode(v) : v.replace(/[\s#]/g, "");
}

function getCase(r: Rng): Case {
  const sub = idSegment(r, subId);
  const seq = idSegment(r, String(r.pick(seqs)));
  const path = r.pick([
    "/api/events",
    `/api/events/${seq}`,
    `/api/events/${seq}/status`,
    "/api/stream",
    "/api/subscriptions",
    `/api/subscriptions/${sub}`,
    `/api/subscriptions/${sub}/lag`,
    `/api/subscriptions/${sub}/latency`,
    "/api/dead-letters",
    `/api/dead-letters/${idSegment(r, "1")}`,
    `/api/jobs/${idSegment(r, randomUUID())}`,
    `/api/replays/${idSegment(r, randomUUID())}`,
    "/api/audit",
    "/api/metrics/series",
    "/api/metrics/top",
    "/api/metrics/summary",
    "/api/keys",
    "/api/session",
    "/api/config",
    "/api/health",
    "/api/health/ready",
    "/metrics",
  ]);
  const params: string[] = [];
  for (let i = r.int(0, 4); i > 0; i--) params.push(`${r.pick(QUERY_NAMES)}=${queryValue(r)}`);
  if (r.chance(0.05)) params.push(r.pick(["%zz", "&&&", "=", "limit", "a".repeat(r.int(100, 6000))]));
  const q = params.length > 0 || r.chance(0.1) ? `?${params.join("&")}` : "";
  const method = r.chance(0.9) ? "GET" : r.pick(["HEAD", "DELETE", "OPTIONS"]);
  return {
    kind: `query ${method} ${path.replace(sub, ":id").replace(seq, ":seq").split("/").slice(0, 4).join("/")}`,
    http: { method, path: path + q, headers: [...authHeaders(r), ...extraHeaders(r)] },
  };
}

function oddRequestCase(r: Rng): Case {
  const method = r.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "CONNECT-ISH", "get"]);
  const path = r.pick([
    "/api",
    "/api/",
    "/api//events",
    "/api/events/",
    "/api/events/1/2/3",
    "/API/EVENTS",
    "/api/%2e%2e/health",
    "/api/../api/health",
    "/api/events?",
    "/api/events#frag",
    `/api/${"x/".repeat(r.int(1, 200))}`,
    "/metrics/",
    "/api/health/",
    `/api/events/${"9".repeat(400)}`,
    "/api/subscriptions/%",
    "*",
  ]);
  return {
    kind: "odd",
    http: { method, path, headers: authHeaders(r), ...(r.chance(0.3) ? { body: r.bytes(r.int(0, 200)) } : {}) },
  };
}

function rawCase(r: Rng): Case {
  const auth = `Authorization: Bearer ${ADMIN}\r\n`;
  const ev = JSON.stringify(event());
  const options: [string, boolean][] = [
    ["GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", false],
    ["GET /api/health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", false],
    ["FOO BAR\r\n\r\n", false],
    ["GET\r\n\r\n", false],
    ["\x00\x01\x02\x03\r\n\r\n", false],
    ["PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false],
    ["GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n", false],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Type: application/cloudevents+json\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
      false,
    ],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, false],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello`, false],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: -1\r\n\r\n`, false],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: abc\r\n\r\n`, false],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 99999999999999999999\r\n\r\n`, false],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/cloudevents+json\r\nContent-Length: ${ev.length + 50}\r\n\r\n${ev}`,
      true,
    ],
    [
      `POST /api/subscriptions HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
      true,
    ],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Type: application/cloudevents+json\r\n\r\n5\r\n{"spe\r\n`,
      true,
    ],
    [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n`, false],
    [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Ctl: a\x01b\r\n\r\n`, false],
    [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Utf8: ${Buffer.from("é😀").toString("latin1")}\r\n\r\n`, false],
    [`GET /api/events HTTP/1.1\nHost: x\n${auth.replace("\r\n", "\n")}\n`, false],
    [`GET http://127.0.0.1/api/health HTTP/1.1\r\nHost: x\r\n\r\n`, false],
    ["OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", false],
    [`GET /api/health?${"a".repeat(r.int(17_000, 40_000))} HTTP/1.1\r\nHost: x\r\n\r\n`, false],
    [`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(r.int(17_000, 40_000))}\r\n\r\n`, false],
    ["GET /api/health HTTP/1.0\r\n\r\n", false],
    [`GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE / HTTP/1.1\r\n\r\n`, false],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Expect: 100-continue\r\nContent-Type: application/cloudevents+json\r\nContent-Length: ${ev.length}\r\n\r\n${ev}`,
      false,
    ],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Expect: 200-ok\r\nContent-Length: 0\r\n\r\n`, false],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Ce-Id: a\r\nce-id: b\r\nCE-ID: c\r\nce-specversion: 1.0\r\nce-source: /x\r\nce-type: t\r\nContent-Length: 0\r\n\r\n`,
      false,
    ],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}ce-id: ${Buffer.from("é", "utf8").toString("latin1")}\r\nce-specversion: 1.0\r\nce-source: /x\r\nce-type: t\r\nContent-Length: 0\r\n\r\n`,
      false,
    ],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nContent-Type: application/cloudevents+json\r\n\r\n${ev.length.toString(16)};ext=${"e".repeat(r.int(10, 20_000))}\r\n${ev}\r\n0\r\n\r\n`,
      false,
    ],
    [`POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, false],
    [
      `POST /api/events HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`,
      false,
    ],
  ];
  const [text, cut] = r.pick(options);
  let raw: Buffer = Buffer.from(text, "latin1");
  if (r.chance(0.1)) raw = mutateBytes(r, raw).body;
  return { kind: "raw", raw, mayDrop: cut || raw.length !== Buffer.byteLength(text, "latin1") };
}

function makeCase(r: Rng): Case {
  const p = r.next();
  if (p < 0.16) return structuredCase(r);
  if (p < 0.24) return batchCase(r);
  if (p < 0.4) return binaryCase(r);
  if (p < 0.47) return simplePublishCase(r);
  if (p < 0.69) return jsonRouteCase(r);
  if (p < 0.86) return getCase(r);
  if (p < 0.91) return oddRequestCase(r);
  return rawCase(r);
}

/** The case as bytes on the wire (for a request node:http refuses to send, e.g. a header with a CTL). */
function toRaw(c: HttpCase): Buffer {
  const head = [`${c.method} ${c.path} HTTP/1.1`, `Host: ${base.host}`, "Connection: close"];
  for (const [k, v] of c.headers) head.push(`${k}: ${v}`);
  if (c.body) head.push(`Content-Length: ${c.body.length}`);
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "utf8"), c.body ?? Buffer.alloc(0)]);
}

// ------------------------------------------------------------------------------------------------
// Checking answers

const CODES = new Set<string>(ERROR_CODES);

/** What is wrong with an answer, or undefined. */
function problem(c: Case, a: FuzzAnswer, method: string): string | undefined {
  if (a.status === 0) return c.mayDrop ? undefined : `no answer (${a.error ?? "closed"})`;
  if (a.status >= 500) return `status ${a.status}: ${a.body.toString("utf8").slice(0, 300)}`;
  if (a.status < 200 || (a.status >= 300 && a.status < 400)) return `unexpected status ${a.status}`;
  if (a.headers["x-content-type-options"] !== "nosniff") return `status ${a.status} without X-Content-Type-Options`;
  if (a.headers["content-security-policy"] === undefined) return `status ${a.status} without Content-Security-Policy`;
  if (method === "HEAD" || a.status === 204) return undefined;
  if (a.status >= 400) {
    let body: { error?: { code?: unknown; message?: unknown; details?: unknown } };
    try {
      body = JSON.parse(a.body.toString("utf8"));
    } catch {
      return `status ${a.status} with a non-JSON body: ${JSON.stringify(a.body.toString("utf8").slice(0, 200))}`;
    }
    const e = body.error;
    if (!e || typeof e.code !== "string" || !CODES.has(e.code) || typeof e.message !== "string")
      return `status ${a.status} without the error shape: ${a.body.toString("utf8").slice(0, 200)}`;
    const expected = HTTP_STATUS[e.code as keyof typeof HTTP_STATUS];
    // Node-level refusals (client-errors.ts) use the precise 408 / 431 statuses
    if (
      expected !== a.status &&
      !(a.status === 431 && e.code === "PAYLOAD_TOO_LARGE") &&
      !(a.status === 408 && e.code === "VALIDATION")
    )
      return `status ${a.status} with code ${e.code} (which maps to ${expected})`;
    if (e.details !== undefined) {
      if (!Array.isArray(e.details) || e.details.some((d) => typeof d?.field !== "string" || typeof d?.rule !== "string"))
        return `malformed details: ${JSON.stringify(e.details).slice(0, 200)}`;
    }
    return undefined;
  }
  const ct = String(a.headers["content-type"] ?? "");
  if (ct.includes("json")) {
    try {
      JSON.parse(a.body.toString("utf8"));
    } catch {
      return `status ${a.status} with an unparsable JSON body`;
    }
  }
  return undefined;
}

function describeCase(c: Case): string {
  if (c.raw) return `raw ${JSON.stringify(c.raw.toString("latin1").slice(0, 300))}`;
  const h = c.http as HttpCase;
  const headers = h.headers.map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`).join(" | ");
  const body = h.body
    ? `${JSON.stringify(h.body.toString("utf8").slice(0, 200))}${h.body.length > 200 ? `…(${h.body.length} bytes)` : ""}`
    : "";
  return `${h.method} ${h.path.slice(0, 200)} [${headers.slice(0, 600)}] ${body}${h.chunks ? ` chunked×${h.chunks}` : ""}`;
}

async function send(c: Case): Promise<{ answer: FuzzAnswer; method: string }> {
  if (c.raw) {
    const method = c.raw.toString("latin1").split(" ")[0] ?? "";
    return { answer: await sendRaw(Number(base.port), c.raw, 5000, c.mayDrop === true), method };
  }
  const h = c.http as HttpCase;
  let answer = await sendHttp(base, h, agent);
  if (answer.status === -1) answer = await sendRaw(Number(base.port), toRaw(h)); // node:http refused to send it
  return { answer, method: h.method };
}

async function alive(): Promise<boolean> {
  const a = await sendHttp(base, { method: "GET", path: "/api/health/live", headers: [] }, agent, 5000);
  return a.status === 200;
}

// ------------------------------------------------------------------------------------------------

describe("HTTP fuzz", () => {
  it(`${RUNS} random and mutated requests: only 2xx or JSON 4xx, the server keeps answering, the heap does not grow`, async () => {
    const gc = getGc();
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to repeat), ${RUNS} requests, concurrency ${CONCURRENCY}`);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    let dropped = 0;
    const slowest: { ms: number; what: string }[] = [];
    const heap: number[] = [];
    const measure = async () => {
      await new Promise((r) => setTimeout(r, 500));
      gc();
      gc();
      heap.push(process.memoryUsage().heapUsed);
    };

    let next = 0;
    const warmup = Math.floor(RUNS * 0.15);
    const started = Date.now();
    const runBlock = async (end: number) => {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (;;) {
            const i = next++;
            if (i >= end) return;
            // each case from its own stream: index i of seed S is reproducible alone
            const r = prng((SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
            const c = makeCase(r);
            const t0 = performance.now();
            const { answer, method } = await send(c);
            const ms = performance.now() - t0;
            if (slowest.length < 5 || ms > (slowest[slowest.length - 1]?.ms ?? 0)) {
              slowest.push({ ms, what: `#${i} ${c.kind} → ${answer.status}` });
              slowest.sort((a, b) => b.ms - a.ms);
              slowest.length = Math.min(slowest.length, 5);
            }
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            const kind = c.kind.split(" ")[0] as string;
            kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
            if (answer.status === 0) dropped++;
            const p = problem(c, answer, method);
            if (p && failures.length < 50) failures.push(`#${i} (seed ${SEED}) ${c.kind}: ${p}\n    ${describeCase(c)}`);
            if (i % 250 === 249 && !(await alive())) failures.push(`#${i}: the server stopped answering /api/health/live`);
          }
        }),
      );
    };

    await runBlock(warmup);
    await measure(); // baseline, after the caches, JIT and pools have warmed up
    const half = warmup + Math.floor((RUNS - warmup) / 2);
    await runBlock(half);
    await measure();
    await runBlock(RUNS);
    const elapsed = Date.now() - started;

    // what the fuzz legitimately created (subscriptions start consumers; keys are held in memory)
    const admin = { authorization: `Bearer ${ADMIN}` };
    const subs = (await (await fetch(`${app.url}/api/subscriptions?limit=1000`, { headers: admin })).json()) as {
      items: { id: string }[];
    };
    for (const s of subs.items)
      if (s.id !== subId) await fetch(`${app.url}/api/subscriptions/${s.id}`, { method: "DELETE", headers: admin });
    const keys = (await (await fetch(`${app.url}/api/keys`, { headers: admin })).json()) as {
      items: { id: string; name: string; revokedAt?: string }[];
    };
    for (const k of keys.items)
      if (k.name === "fuzz-key" && !k.revokedAt) await fetch(`${app.url}/api/keys/${k.id}`, { method: "DELETE", headers: admin });
    await new Promise((r) => setTimeout(r, 1500));
    await measure();

    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    console.log(
      `fuzz: ${RUNS} requests in ${(elapsed / 1000).toFixed(1)} s (${Math.round((RUNS * 1000) / elapsed)}/s); ` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ` +
        `kinds ${JSON.stringify(Object.fromEntries(kinds))}; dropped (cut or over a limit) ${dropped}; ` +
        `heap after GC: baseline ${mb(heap[0] ?? 0)}, midway ${mb(heap[1] ?? 0)}, end ${mb(heap[2] ?? 0)}; ` +
        `subscriptions created and deleted ${subs.items.length - 1}; ` +
        `slowest ${slowest.map((x) => `${x.what} ${Math.round(x.ms)} ms`).join(", ")}`,
    );
    expect(failures, failures.join("\n")).toEqual([]);
    expect(await alive()).toBe(true);
    expect(statuses.get(202) ?? 0, "some mutations stay valid and are published").toBeGreaterThan(0);
    // generous: the heap after GC may wander by a few MB (JIT code, pools), not grow with the request count
    expect((heap[2] ?? 0) - (heap[0] ?? 0), `heap grew from ${mb(heap[0] ?? 0)} to ${mb(heap[2] ?? 0)}`).toBeLessThan(
      24 * 1048576,
    );
  }, 180_000);
});

// ------------------------------------------------------------------------------------------------
// What the fuzzer found, fixed, pinned

describe("regressions found by the fuzzer", () => {
  const admin: [string, string][] = [["authorization", `Bearer ${ADMIN}`]];
  const call = async (method: string, path: string, body?: string, headers: [string, string][] = []) =>
    sendHttp(
      base,
      { method, path, headers: [...admin, ...headers], ...(body !== undefined ? { body: Buffer.from(body) } : {}) },
      agent,
    );
  const json = (a: FuzzAnswer) =>
    JSON.parse(a.body.toString("utf8")) as { error?: { code: string; details?: { field: string; rule: string }[] } } & Record<
      string,
      unknown
    >;
  const nest = (n: number, leaf = "1") => `${"[".repeat(n)}${leaf}${"]".repeat(n)}`;
  const deepNot = (n: number) => `${'{"not":'.repeat(n)}{"exact":{"type":"x"}}${"}".repeat(n)}`;
  const structured = (data: string) =>
    `{"specversion":"1.0","id":"${randomUUID()}","source":"/fuzz","type":"com.anumate.fuzz.deep","data":${data}}`;

  it("deeply nested JSON is a 400 naming the limit, not a stack overflow (500)", async () => {
    const ce: [string, string][] = [["content-type", "application/cloudevents+json"]];
    const tooDeep = await call("POST", "/api/events", structured(nest(20_000)), ce);
    expect(tooDeep.status).toBe(400);
    expect(json(tooDeep).error?.details).toEqual([{ field: "body", rule: "must nest JSON at most 256 levels deep" }]);
    const batch = await call("POST", "/api/events", `[${structured(nest(5000))}]`, [
      ["content-type", "application/cloudevents-batch+json"],
    ]);
    expect(batch.status).toBe(400);
    const binary = await call("POST", "/api/events", nest(5000), [
      ["ce-specversion", "1.0"],
      ["ce-id", randomUUID()],
      ["ce-source", "/fuzz"],
      ["ce-type", "com.anumate.fuzz.deep"],
      ["content-type", "application/json"],
    ]);
    expect(binary.status).toBe(400);
    expect(json(binary).error?.details?.[0]).toEqual({ field: "data", rule: "must nest JSON at most 255 levels deep" });
    const simple = await call("POST", "/api/events/publish?source=/fuzz", `{"event_type":"t","data":${nest(5000)}}`, [
      ["content-type", "application/json"],
    ]);
    expect(simple.status).toBe(400);
    for (const [path, body] of [
      ["/api/subscriptions", `{"name":"deep","target":{"type":"internal"},"filters":[${deepNot(30_000)}]}`],
      [
        "/api/replays",
        `{"from":{"sequence":1},"target":{"type":"stream"},"dryRun":true,"filter":{"filters":[${deepNot(30_000)}]}}`,
      ],
    ] as const) {
      const a = await call("POST", path, body, [["content-type", "application/json"]]);
      expect(a.status, path).toBe(400);
      expect(json(a).error?.details, path).toEqual([{ field: "body", rule: "must nest JSON at most 64 levels deep" }]);
    }
  });

  it("data at the depth limit is stored and read back whole (history and by seq)", async () => {
    const data = nest(255, '"leaf"');
    const r = await call("POST", "/api/events", structured(data), [["content-type", "application/cloudevents+json"]]);
    expect(r.status, r.body.toString()).toBe(202);
    const seq = json(r).seq as number;
    const one = await call("GET", `/api/events/${seq}`);
    expect(one.status).toBe(200);
    expect(JSON.stringify((json(one).event as { data: unknown }).data)).toBe(data);
    const page = await call("GET", `/api/events?fromSeq=${seq}&limit=1`);
    expect(page.status).toBe(200);
    expect(JSON.stringify((json(page).items as { event: { data: unknown } }[])[0]?.event.data)).toBe(data);
  });

  it("replay filters have the subscriptions' limits (depth 5)", async () => {
    const a = await call(
      "POST",
      "/api/replays",
      `{"from":{"sequence":1},"target":{"type":"stream"},"dryRun":true,"filter":{"filters":[${deepNot(6)}]}}`,
      [["content-type", "application/json"]],
    );
    expect(a.status).toBe(400);
    expect(json(a).error?.details?.[0]?.rule).toBe("must nest at most 5 levels deep");
  });

  it("ids that cannot be NATS KV keys are 404, not 500", async () => {
    for (const [method, path] of [
      ["GET", "/api/jobs/%00"],
      ["GET", "/api/replays/%F0%9F%98%80"],
      ["DELETE", "/api/replays/a..b"],
      ["GET", "/api/subscriptions/a..b"],
      ["POST", "/api/subscriptions/a.b.%2A/pause"],
      ["POST", "/api/subscriptions/%F0%9F%98%80/reset"],
      ["DELETE", "/api/subscriptions/a.b.%3E"],
      ["PATCH", "/api/subscriptions/.x"],
      // a key too long for a subject: NATS would close the connection
      ["POST", `/api/subscriptions/${"x".repeat(5000)}/pause`],
      ["GET", `/api/jobs/${"j".repeat(5000)}`],
    ] as const) {
      const a = await call(
        method,
        path,
        method === "GET" || method === "DELETE" ? undefined : method === "PATCH" ? '{"maxInFlight":1}' : '{"to":{"sequence":1}}',
        [["content-type", "application/json"]],
      );
      expect(a.status, `${method} ${path}: ${a.body.toString()}`).toBe(404);
      expect(json(a).error?.code).toBe("NOT_FOUND");
    }
    expect(app.container.nats.connected()).toBe(true);
  });

  it("an Expect other than 100-continue is served, not answered by Node's bare 417", async () => {
    const a = await call("GET", "/api/health/live", undefined, [["expect", "200-ok"]]);
    expect(a.status).toBe(200);
    expect(a.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("requests Node's parser refuses get the JSON error shape and the security headers", async () => {
    const port = Number(base.port);
    const bad = await sendRaw(port, Buffer.from("GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n"));
    expect(bad.status).toBe(400);
    expect(json(bad).error?.code).toBe("VALIDATION");
    expect(json(bad).error?.details).toEqual([{ field: "request", rule: "must be a well-formed HTTP/1.1 request" }]);
    expect(bad.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(bad.headers["x-content-type-options"]).toBe("nosniff");
    const big = await sendRaw(port, Buffer.from(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(40_000)}\r\n\r\n`));
    expect(big.status).toBe(431);
    expect(json(big).error?.code).toBe("PAYLOAD_TOO_LARGE");
    const smuggle = await sendRaw(
      port,
      Buffer.from("POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    );
    expect(smuggle.status).toBe(400);
    expect(json(smuggle).error?.code).toBe("VALIDATION");
  });

  it("a type too long for a NATS subject is a 400; before, NATS closed the connection (503s for everyone)", async () => {
    const ce: [string, string][] = [["content-type", "application/cloudevents+json"]];
    const ev = (type: string) => JSON.stringify({ specversion: "1.0", id: randomUUID(), source: "/fuzz", type });
    for (const type of ["t".repeat(5000), "€".repeat(257)]) {
      const a = await call("POST", "/api/events", ev(type), ce);
      expect(a.status).toBe(400);
      expect(json(a).error?.details).toEqual([{ field: "type", rule: "must be at most 256 characters" }]);
    }
    const simple = await call("POST", "/api/events/publish?source=/fuzz", JSON.stringify({ event_type: "x".repeat(300) }), [
      ["content-type", "application/json"],
    ]);
    expect(simple.status).toBe(400);
    expect(json(simple).error?.details?.[0]?.field).toBe("event_type");
    // the longest subject a type can make (every character escaped) is stored and read back
    const longest = "€".repeat(256);
    const ok = await call("POST", "/api/events", ev(longest), ce);
    expect(ok.status, ok.body.toString()).toBe(202);
    const back = await call("GET", `/api/events/${json(ok).seq}`);
    expect((json(back).event as { type: string }).type).toBe(longest);
    expect(app.container.nats.connected()).toBe(true);
  });

  it("concurrent changes of one subscription are applied one after the other, never a 500", async () => {
    const created = await call(
      "POST",
      "/api/subscriptions",
      JSON.stringify({
        name: `race-${randomUUID().slice(0, 8)}`,
        target: { type: "internal" },
        startAt: { type: "time", value: new Date().toISOString() },
      }),
      [["content-type", "application/json"]],
    );
    expect(created.status).toBe(201);
    const id = json(created).id as string;
    // nats-server 2.9 cannot change a consumer's filter: each types change recreates the consumer
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(
          "PATCH",
          `/api/subscriptions/${id}`,
          JSON.stringify({ types: [i % 2 ? "com.anumate.a.*" : "com.anumate.b.>"], maxInFlight: i + 1 }),
          [["content-type", "application/json"]],
        ),
      ),
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect((await call("DELETE", `/api/subscriptions/${id}`)).status).toBe(204);
  });

  it("an invalid path seq names the field `seq` (was `seqbody`)", async () => {
    const a = await call("GET", "/api/events/1e400");
    expect(a.status).toBe(400);
    expect(json(a).error?.details?.[0]?.field).toBe("seq");
  });
});
