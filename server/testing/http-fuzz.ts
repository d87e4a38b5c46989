import { type Agent, request } from "node:http";
import net from "node:net";
import { prng as numbers } from "./prng";

/**
 * Building blocks of the HTTP fuzz test (test/fuzz.int.test.ts): a seeded PRNG, JSON and byte
 * mutators, and two clients — `node:http` for requests it can express, and a raw socket for those
 * it refuses to send (malformed header lines, bad chunk framing, lying Content-Length).
 */

/** mulberry32: small, fast, good enough to pick mutations; the same seed gives the same run. */
export function prng(seed: number): Rng {
  const next = numbers(seed);
  const rng: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    bytes: (n) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
  return rng;
}

export interface Rng {
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  bytes(n: number): Buffer;
}

/** Strings that break parsers: control characters, lone surrogates, RTL marks, huge, empty, look-alike syntax. */
export function nastyString(r: Rng): string {
  return r.pick([
    () => "",
    () => " ",
    () => "\u0000",
    () => "\ud800",
    () => "a\udfffb",
    () => "\u202e\u0301",
    () => "😀".repeat(r.int(1, 50)),
    () => "x".repeat(r.int(100, 5000)),
    () => "%",
    () => "%G1%zz",
    () => "%C3%28",
    () => "%ED%A0%80",
    () => "../../etc/passwd",
    () => "a.b.*",
    () => "a.>.b",
    () => ">",
    () => "*",
    () => "'; DROP TABLE x; --",
    () => "<script>alert(1)</script>",
    () => "\r\nX-Injected: 1",
    () => "1e400",
    () => "-0",
    () => "NaN",
    () => "2026-02-30T25:61:61Z",
    () => "2026-01-01T00:00:00+24:00",
    () => "__proto__",
    () => "constructor",
    () => "toString",
    () => "hasOwnProperty",
    () => Buffer.from(r.bytes(r.int(1, 40))).toString("latin1"),
  ])();
}

/** Percent-encodes every byte but the unreserved ones (unlike encodeURIComponent, never throws on lone surrogates). */
export function pctEncode(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Keys that misbehave when copied into plain objects. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__"];

/** A nested JSON value of this depth (arrays or objects), as text: JSON.stringify would recurse. */
export function deepJson(r: Rng, depth: number): string {
  const kind = r.pick(["array", "object", "not", "all"] as const);
  if (kind === "array") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  if (kind === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  if (kind === "not") return `${'{"not":'.repeat(depth)}{"exact":{"type":"x"}}${"}".repeat(depth)}`;
  return `${'{"all":['.repeat(depth)}{"exact":{"type":"x"}}${"]}".repeat(depth)}`;
}

/** A random JSON value; `depth` bounds nesting. */
export function randomValue(r: Rng, depth = 2): unknown {
  const choice = r.int(0, depth > 0 ? 17 : 13);
  switch (choice) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.int(-5, 5);
    case 3:
      return r.pick([1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 1.5, -0, 4294967296, 2147483648, -2147483649, 0.1]);
    case 4:
    case 5:
    case 6:
      return nastyString(r);
    case 7:
      return r.pick(["1.0", "0.3", "application/json", "text/plain", "https://example.com/x", "/src", "com.example.x"]);
    case 8:
      return new Date(r.int(-1e13, 1e13)).toISOString?.() ?? "x";
    case 9:
      return r.pick(["new", "all", "time", "sequence", "push", "websocket", "internal", "stream", "subscription"]);
    case 10:
      return [];
    case 11:
      return {};
    case 12:
      return r.int(1, 1_000_000);
    case 13:
      return r.pick(["admin", "operator", "publisher", "subscriber", "root"]);
    case 14:
    case 15:
      return Array.from({ length: r.int(1, 5) }, () => randomValue(r, depth - 1));
    default: {
      const o: Record<string, unknown> = Object.create(null);
      for (let i = r.int(1, 4); i > 0; i--) {
        const k = r.chance(0.2) ? r.pick(PROTO_KEYS) : nastyString(r).slice(0, 20);
        Object.defineProperty(o, k, { value: randomValue(r, depth - 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A structural mutation of a JSON value: replace, delete, add (prototype keys too), retype. Returns a copy. */
export function mutateJson(r: Rng, value: unknown, rounds = 1): unknown {
  let v = structuredClone(value) as Json;
  for (let i = 0; i < rounds; i++) v = mutateOnce(r, v, 0) as Json;
  return v;
}

function mutateOnce(r: Rng, v: Json, depth: number): Json {
  if (v !== null && typeof v === "object" && r.chance(depth === 0 ? 0.85 : 0.6)) {
    if (Array.isArray(v)) {
      if (v.length === 0 || r.chance(0.2)) return [...v, randomValue(r) as Json];
      const i = r.int(0, v.length - 1);
      if (r.chance(0.15)) return v.filter((_, j) => j !== i);
      const copy = [...v];
      copy[i] = mutateOnce(r, copy[i] as Json, depth + 1);
      return copy;
    }
    const keys = Object.keys(v);
    const out: { [k: string]: Json } = Object.create(null);
    for (const k of keys) out[k] = v[k] as Json;
    const action = r.int(0, 9);
    if (keys.length === 0 || action === 0) {
      const k = r.chance(0.3)
        ? r.pick(PROTO_KEYS)
        : r.chance(0.5)
          ? nastyString(r).slice(0, 30)
          : r.pick(keys.length ? keys : ["x"]).toUpperCase();
      Object.defineProperty(out, k, { value: randomValue(r), enumerable: true, writable: true, configurable: true });
    } else if (action === 1) {
      delete out[r.pick(keys)];
    } else {
      const k = r.pick(keys);
      out[k] = mutateOnce(r, out[k] as Json, depth + 1);
    }
    return out as Json; // null prototype: an own "__proto__" key stays a key and JSON.stringify writes it
  }
  if (typeof v === "string" && r.chance(0.5)) {
    return r.pick([
      () => v + nastyString(r),
      () => v.slice(0, r.int(0, v.length)),
      () => v.toUpperCase(),
      () => v.repeat(r.int(2, 50)),
      () => nastyString(r),
    ])();
  }
  if (typeof v === "number" && r.chance(0.5)) return r.pick([v + 1, -v, v * 1e10, v + 0.5, String(v)]) as Json;
  return randomValue(r) as Json;
}

/**
 * Serialises with `JSON.stringify`, except that own `__proto__` keys (kept by `defineProperty`)
 * are written as ordinary keys: JSON.parse on the server makes them own properties again.
 */
export function toJsonText(v: unknown): string {
  return JSON.stringify(v) ?? "null";
}

/** Byte-level damage to a body: truncation, flips, invalid UTF-8, BOM, UTF-16, duplication. */
export function mutateBytes(r: Rng, body: Buffer): { body: Buffer; how: string } {
  const how = r.pick(["truncate", "flip", "invalid-utf8", "bom", "utf16", "dup-chunk", "nul", "overlong", "surrogate"] as const);
  const at = body.length === 0 ? 0 : r.int(0, body.length - 1);
  switch (how) {
    case "truncate":
      return { body: body.subarray(0, at), how };
    case "flip": {
      const b = Buffer.from(body);
      for (let i = r.int(1, 5); i > 0 && b.length > 0; i--) b[r.int(0, b.length - 1)] = r.int(0, 255);
      return { body: b, how };
    }
    case "invalid-utf8":
      return { body: Buffer.concat([body.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), body.subarray(at)]), how };
    case "bom":
      return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]), how };
    case "utf16":
      return { body: Buffer.from(body.toString("utf8"), "utf16le"), how };
    case "dup-chunk":
      return { body: Buffer.concat([body, body.subarray(at)]), how };
    case "nul":
      return { body: Buffer.concat([body.subarray(0, at), Buffer.from([0]), body.subarray(at)]), how };
    case "overlong":
      return { body: Buffer.concat([body.subarray(0, at), Buffer.from([0xc0, 0xaf]), body.subarray(at)]), how };
    default:
      return { body: Buffer.concat([body.subarray(0, at), Buffer.from([0xed, 0xa0, 0x80]), body.subarray(at)]), how };
  }
}

export interface FuzzAnswer {
  /** 0 when no answer came (the connection closed or timed out first). */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Why there was no answer. */
  error?: string;
}

export interface HttpCase {
  method: string;
  path: string;
  headers: [string, string][];
  body?: Buffer;
  /** Send the body in this many chunks (Transfer-Encoding: chunked, no Content-Length). */
  chunks?: number;
}

/** Sends with node:http. Streaming answers (text/event-stream) end after their headers. */
export function sendHttp(base: URL, c: HttpCase, agent: Agent, timeoutMs = 10_000): Promise<FuzzAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: FuzzAnswer) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    let req: ReturnType<typeof request>;
    try {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of c.headers) {
        const prev = headers[k];
        headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      if (c.body && !c.chunks) headers["content-length"] = String(c.body.length);
      req = request({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers, agent, timeout: timeoutMs });
    } catch (e) {
      done({ status: -1, headers: {}, body: Buffer.alloc(0), error: `client refused: ${(e as Error).message}` });
      return;
    }
    req.on("response", (res) => {
      if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
        res.destroy();
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", (e) =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error: e.message }),
      );
    });
    req.on("timeout", () => {
      req.destroy(new Error("timeout"));
    });
    req.on("error", (e) => done({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message }));
    if (c.body && c.chunks && c.chunks > 1) {
      const size = Math.max(1, Math.ceil(c.body.length / c.chunks));
      for (let i = 0; i < c.body.length; i += size) req.write(c.body.subarray(i, i + size));
      req.end();
    } else req.end(c.body);
  });
}

/**
 * Sends raw bytes on a fresh connection and parses the first final answer (Content-Length, chunked
 * or until close). `endAfterWrite` half-closes after the bytes: the way to cut a request short (Node
 * drops a half-closed client's answer that is still being computed, so only cut requests use it).
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 5000, endAfterWrite = false): Promise<FuzzAnswer> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const parsed = parseRawAnswer(Buffer.concat(chunks));
      resolve(
        parsed
          ? { ...parsed, ...(error && !parsed.complete ? { error } : {}) }
          : { status: 0, headers: {}, body: Buffer.alloc(0), error: error ?? "closed without an answer" },
      );
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    sock.on("connect", () => {
      sock.write(bytes);
      if (endAfterWrite) sock.end();
    });
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      const p = parseRawAnswer(Buffer.concat(chunks));
      if (p?.complete) finish();
    });
    sock.on("error", (e) => finish(e.message));
    sock.on("close", () => finish());
  });
}

function parseRawAnswer(all: Buffer): (FuzzAnswer & { complete: boolean }) | undefined {
  let buf = all;
  let end = buf.indexOf("\r\n\r\n");
  // skip interim answers (100 Continue): the final one follows
  while (end >= 0 && /^HTTP\/1\.[01] 1\d\d /.test(buf.subarray(0, 13).toString("latin1"))) {
    buf = buf.subarray(end + 4);
    end = buf.indexOf("\r\n\r\n");
  }
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  let complete = false;
  if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    complete = body.length >= n;
    body = body.subarray(0, n);
  } else if (headers["transfer-encoding"]?.includes("chunked")) {
    const out: Buffer[] = [];
    let rest = body;
    for (;;) {
      const nl = rest.indexOf("\r\n");
      if (nl < 0) break;
      const size = Number.parseInt(rest.subarray(0, nl).toString(), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) {
        complete = true;
        break;
      }
      if (rest.length < nl + 2 + size) break;
      out.push(rest.subarray(nl + 2, nl + 2 + size));
      rest = rest.subarray(nl + 4 + size);
    }
    body = Buffer.concat(out);
  } else if (String(headers["content-type"] ?? "").startsWith("text/event-stream")) complete = true;
  return { status, headers, body, complete };
}
