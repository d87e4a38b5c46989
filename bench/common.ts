import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createInterface } from "node:readline";

/**
 * Shared by the bench orchestrator (run.ts) and its child processes: the one CloudEvent every case
 * sends (~1 KB, JSON data), request builders for each mode, and child-process plumbing.
 */

export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

export const EVENT_TYPE = "com.example.bench.order.created";
export const EVENT_SOURCE = "https://bench.example.com/orders";
export const EVENT_TENANT = "bench";
export const EVENT_TIME = "2026-01-31T12:00:00.000Z";
export const EVENT_SUBJECT = "orders/ord-7f3a9c21";
/** Size of the structured-mode JSON event (every id has the same length). */
export const STRUCTURED_EVENT_BYTES = 1024;
export const BATCH_SIZE = 500;

/** Ids are `<8 hex tag>-<9 base36 digits>`: unique per run and case, always 18 characters. */
export function idFactory(tag: string): () => string {
  if (!/^[0-9a-z]{8}$/.test(tag)) throw new Error(`tag must be 8 characters of 0-9a-z, not "${tag}"`);
  let n = 0;
  return () => `${tag}-${(n++).toString(36).padStart(9, "0")}`;
}

const ID_PLACEHOLDER = "__BENCH_ID_PLACEHOLDER__";
const SAMPLE_ID = "00000000-000000000";

function eventData(note: string) {
  return {
    orderId: "ord-7f3a9c21",
    customer: { id: "cus-1029384756", name: "Ada Lovelace", email: "ada@example.com", tier: "gold" },
    items: [
      { sku: "SKU-100234", name: "Widget, large", qty: 2, unitPrice: 19.99 },
      { sku: "SKU-100871", name: "Sprocket set", qty: 1, unitPrice: 42.5 },
      { sku: "SKU-204410", name: "Gear oil, 1 l", qty: 3, unitPrice: 7.25 },
    ],
    currency: "EUR",
    total: 104.23,
    shipping: {
      method: "express",
      address: { street: "1 Analytical Engine Way", city: "London", postcode: "N1 9GU", country: "GB" },
    },
    tags: ["priority", "gift", "b2c"],
    note,
  };
}

function structuredParts(note: string): [string, string] {
  const json = JSON.stringify({
    specversion: "1.0",
    id: ID_PLACEHOLDER,
    source: EVENT_SOURCE,
    type: EVENT_TYPE,
    time: EVENT_TIME,
    subject: EVENT_SUBJECT,
    datacontenttype: "application/json",
    tenantid: EVENT_TENANT,
    data: eventData(note),
  });
  const [before, after] = json.split(ID_PLACEHOLDER);
  if (before === undefined || after === undefined) throw new Error("bad event template");
  return [before, after];
}

/** The event, built once: `note` is padded so that the structured JSON is exactly STRUCTURED_EVENT_BYTES. */
const template = (() => {
  const [b0, a0] = structuredParts("");
  const pad = STRUCTURED_EVENT_BYTES - (b0.length + SAMPLE_ID.length + a0.length);
  if (pad < 0) throw new Error("event template is larger than STRUCTURED_EVENT_BYTES");
  const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ";
  const note = lorem.repeat(Math.ceil(pad / lorem.length) + 1).slice(0, pad);
  const [before, after] = structuredParts(note);
  return { before, after, dataJson: JSON.stringify(eventData(note)) };
})();

/** The event in structured mode (application/cloudevents+json). */
export function structuredEvent(id: string): string {
  return template.before + id + template.after;
}

/** The same event in binary mode: attributes as `ce-*` headers, the data as the body. */
export function binaryEvent(id: string): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      "content-type": "application/json",
      "ce-specversion": "1.0",
      "ce-id": id,
      "ce-source": EVENT_SOURCE,
      "ce-type": EVENT_TYPE,
      "ce-time": EVENT_TIME,
      "ce-subject": EVENT_SUBJECT,
      "ce-tenantid": EVENT_TENANT,
    },
    body: template.dataJson,
  };
}

export type LoadKind = "baseline" | "structured" | "binary" | "batch";

export interface BenchRequest {
  method: "POST";
  path: string;
  headers: Record<string, string>;
  body: string;
  events: number;
}

/** One request of the given kind; `nextId` is called once per event. */
export function buildRequest(kind: LoadKind, nextId: () => string, batchSize = BATCH_SIZE): BenchRequest {
  switch (kind) {
    case "baseline": {
      // The minimal server uses x-bench-id as the JetStream message id (the product dedups too).
      const id = nextId();
      return {
        method: "POST",
        path: "/ingest",
        headers: { "content-type": "application/cloudevents+json", "x-bench-id": id },
        body: structuredEvent(id),
        events: 1,
      };
    }
    case "structured":
      return {
        method: "POST",
        path: "/api/events",
        headers: { "content-type": "application/cloudevents+json" },
        body: structuredEvent(nextId()),
        events: 1,
      };
    case "binary": {
      const b = binaryEvent(nextId());
      return { method: "POST", path: "/api/events", headers: b.headers, body: b.body, events: 1 };
    }
    case "batch": {
      const parts: string[] = new Array(batchSize);
      for (let i = 0; i < batchSize; i++) parts[i] = structuredEvent(nextId());
      return {
        method: "POST",
        path: "/api/events",
        headers: { "content-type": "application/cloudevents-batch+json" },
        body: `[${parts.join(",")}]`,
        events: batchSize,
      };
    }
  }
}

/** The subject the product stores this event under (`<prefix>.<tenant>.<type tokens>`); the baselines use the same shape. */
export function benchSubject(prefix: string): string {
  return `${prefix}.${EVENT_TENANT}.${EVENT_TYPE}`;
}

/** Latency percentiles (ms) from raw samples. */
export function percentiles(samples: Float64Array, n: number): { p50: number; p99: number; mean: number; max: number } {
  if (n === 0) return { p50: 0, p99: 0, mean: 0, max: 0 };
  const s = samples.slice(0, n).sort();
  const at = (q: number) => s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i] as number;
  return { p50: at(0.5), p99: at(0.99), mean: sum / n, max: s[n - 1] as number };
}

// ---------------------------------------------------------------------------------------------
// Child processes: each prints `READY <json>` when it serves, `MEASURE <json>` when the measured
// phase starts and `RESULT <json>` when done. Everything else it prints is passed through.

export interface Child {
  proc: ChildProcess;
  name: string;
  /** Resolves with the payload of the first `<tag> <json>` line. */
  line<T = unknown>(tag: string): Promise<T>;
  /** Sends SIGTERM and waits for exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Node flags of the product server, as `npm start` and the Dockerfile run it: V8's pool of helper
 * threads (parallel garbage collection) sized to the machine's cores instead of V8's fixed four.
 */
export const SERVER_NODE_FLAGS = ["--v8-pool-size=0"];

/** Starts a bundled child with plain node (and --enable-source-maps, as `npm start` runs the server). */
export function startChild(
  name: string,
  script: string,
  args: string[],
  opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Child {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--enable-source-maps", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...opts.env },
  });
  const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }[]>();
  const seen = new Map<string, unknown>();
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code, signal) => {
      for (const [tag, ws] of waiting) {
        for (const w of ws) w.reject(new Error(`${name} exited (code ${code}, signal ${signal}) before printing ${tag}`));
      }
      waiting.clear();
      resolve(code);
    });
  });
  if (proc.stdout) {
    createInterface({ input: proc.stdout }).on("line", (l) => {
      const m = /^(READY|MEASURE|RESULT) (.*)$/.exec(l);
      if (!m) {
        if (l.trim().length > 0) console.log(`  [${name}] ${l}`);
        return;
      }
      const tag = m[1] as string;
      const value = JSON.parse(m[2] as string) as unknown;
      seen.set(tag, value);
      for (const w of waiting.get(tag) ?? []) w.resolve(value);
      waiting.delete(tag);
    });
  }
  return {
    proc,
    name,
    exited,
    line<T>(tag: string): Promise<T> {
      if (seen.has(tag)) return Promise.resolve(seen.get(tag) as T);
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.reject(new Error(`${name} is not running`));
      return new Promise<T>((resolve, reject) => {
        const list = waiting.get(tag) ?? [];
        list.push({ resolve: resolve as (v: unknown) => void, reject });
        waiting.set(tag, list);
      });
    },
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Emits one protocol line (used by the children). */
export function emit(tag: "READY" | "MEASURE" | "RESULT", value: unknown): void {
  process.stdout.write(`${tag} ${JSON.stringify(value)}\n`);
}

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc (Linux): user+system clock ticks of a process.

const CLK_TCK = 100;

export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // after "pid (comm) ": state is field 3 → index 0; utime is field 14 → index 11; stime index 12
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * The pid of the process listening on a local TCP port (the nats-server the bench talks to; there
 * may be other nats-servers on the machine), from /proc/net/tcp{,6} and /proc/<pid>/fd.
 */
export function listeningPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        const local = f[1];
        if (!local || f[3] !== "0A") continue; // 0A = LISTEN
        if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port && f[9]) inodes.add(f[9]);
      }
    } catch {
      // no such table
    }
  }
  if (inodes.size === 0) return undefined;
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        for (const fd of readdirSync(`/proc/${d}/fd`)) {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
          if (m && inodes.has(m[1] as string)) return Number(d);
        }
      } catch {
        // process went away or is not ours to read
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusySeconds(): number | undefined {
  try {
    const first = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const f = first.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    return busy / CLK_TCK;
  } catch {
    return undefined;
  }
}
