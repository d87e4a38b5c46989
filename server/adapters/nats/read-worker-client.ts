import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { StoredEvent } from "../../core/bus/ports";
import type { RangeQuery } from "./range-reader";
import { decodeBatch, type PullQuery, type ReaderReply, type ReaderRequest, type WireBatch } from "./read-wire";
import type { ReaderData } from "./read-worker";
import type { DecodeContext } from "./stored-event";

/** Range reads on a thread of their own (read-worker.ts), started when first needed. */
export interface ReadWorker {
  /** Whether reads go to the thread: false once it could not be started (the caller then reads inline). */
  available(): Promise<boolean>;
  read(q: RangeQuery): AsyncGenerator<StoredEvent[]>;
  /**
   * One pull of a durable consumer on the thread: `onBatch` gets its messages as they arrive;
   * resolves when the pull is over (the server ended it, or it expired), rejects when it failed.
   */
  pull(q: PullQuery, onBatch: (b: WireBatch) => void): Promise<void>;
  close(): Promise<void>;
}

interface Pull {
  onBatch: (b: WireBatch) => void;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Batches the thread may send ahead of the one being delivered: one decoded while the other is read. */
const AHEAD = 2;

interface Pending {
  batches: WireBatch[];
  done: boolean;
  error: Error | undefined;
  wake: (() => void) | undefined;
}

/**
 * The thread's module: beside this one. Bundled (dist/server.mjs), it is dist/read-worker.mjs;
 * from the sources (tests, `npm run dev`), read-worker.ts, loaded through tsx.
 */
function spawn(data: ReaderData): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./read-worker.mjs", here), { workerData: data });
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const entry = new URL("./read-worker.ts", here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

export function createReadWorker(data: ReaderData, o: DecodeContext): ReadWorker {
  let worker: Worker | undefined;
  let ready: Promise<Worker | undefined> | undefined;
  let failed = false;
  let closed = false;
  let nextId = 0;
  const reads = new Map<number, Pending>();
  const pulls = new Map<number, Pull>();

  const settle = (p: Pending, f: (p: Pending) => void) => {
    f(p);
    p.wake?.();
    p.wake = undefined;
  };

  function start(): Promise<Worker | undefined> {
    if (closed) return Promise.resolve(undefined);
    ready ??= new Promise((resolve) => {
      const w = spawn(data);
      w.unref();
      let up = false;
      w.on("message", (m: ReaderReply) => {
        if (m.type === "ready") {
          up = true;
          worker = w;
          resolve(w);
        } else if (m.type === "log") o.log(m.msg, m.extra);
        else if (pulls.has(m.id)) {
          const p = pulls.get(m.id) as Pull;
          if (m.type === "batch") p.onBatch(m.batch);
          else {
            pulls.delete(m.id);
            if (m.type === "end") p.resolve();
            else p.reject(new Error(m.message));
          }
        } else {
          const p = reads.get(m.id);
          if (!p) return;
          if (m.type === "batch") settle(p, (x) => x.batches.push(m.batch));
          else if (m.type === "end") settle(p, (x) => (x.done = true));
          else settle(p, (x) => (x.error = new Error(m.message)));
        }
      });
      const gone = (e: Error) => {
        worker = undefined;
        ready = undefined;
        for (const p of reads.values()) settle(p, (x) => (x.error ??= e));
        for (const p of pulls.values()) p.reject(e);
        pulls.clear();
        if (!up) {
          // it never answered: read inline from now on
          failed = true;
          o.log("range reads go inline: the reading thread could not start", { error: e.message });
          resolve(undefined);
        }
      };
      w.on("error", gone);
      w.on("exit", (code) => gone(new Error(`the reading thread stopped (exit code ${code})`)));
    });
    return ready;
  }

  // Bundled (production), the thread starts now, in the background: a first replay does not wait
  // for it. From the sources (tests), when first needed: starting it there compiles its modules.
  if (!import.meta.url.endsWith(".ts")) void start();

  return {
    async available() {
      if (failed || closed) return false;
      return (await start()) !== undefined;
    },

    async *read(q) {
      const w = await start();
      // (gone meanwhile: its exit failed the reads it knew of, not this one)
      if (!w || worker !== w) throw new Error("the reading thread is not running");
      const id = ++nextId;
      const p: Pending = { batches: [], done: false, error: undefined, wake: undefined };
      reads.set(id, p);
      const ask = (m: ReaderRequest) => w.postMessage(m);
      ask({ type: "read", id, query: q, credit: AHEAD });
      try {
        for (;;) {
          const b = p.batches.shift();
          if (b) {
            ask({ type: "credit", id, n: 1 });
            const events = decodeBatch(o, b);
            if (events.length > 0) yield events;
            continue;
          }
          if (p.error) throw p.error;
          if (p.done) return;
          await new Promise<void>((wake) => (p.wake = wake));
        }
      } finally {
        reads.delete(id);
        if (!p.done && !p.error && worker === w) ask({ type: "cancel", id });
      }
    },

    async pull(q, onBatch) {
      const w = await start();
      if (!w || worker !== w) throw new Error("the reading thread is not running");
      const id = ++nextId;
      return new Promise<void>((resolve, reject) => {
        pulls.set(id, { onBatch, resolve, reject });
        w.postMessage({ type: "pull", id, query: q } satisfies ReaderRequest);
      });
    },

    async close() {
      closed = true;
      const w = await ready;
      worker = undefined;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
      w.postMessage({ type: "close" } satisfies ReaderRequest);
      // the thread drains its connection and ends; one that does not within 2 s is stopped
      const t = setTimeout(() => void w.terminate(), 2_000);
      await exited;
      clearTimeout(t);
    },
  };
}
