import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Config } from "../../config";
import { connectNats } from "./connection";
import { readRangeBatches } from "./range-reader";
import { encodeBatch, type ReaderReply, type ReaderRequest, transferables } from "./read-wire";

/**
 * The reading thread (a worker thread started by read-worker-client.ts): it reads ranges of the
 * stream on a NATS connection of its own and hands each batch over decoded and rendered
 * (read-wire.ts). Reading — the client's parsing of each message, the pull requests, the JSON of
 * each event — is about 40% of what a replay costs; here it runs on another core than deliveries.
 * A read sends a batch only while it has credit: the main thread grants one per batch it takes,
 * so what waits between the threads stays bounded whatever the reader's pace.
 */
export interface ReaderData {
  config: Config;
  subjectPrefix: string;
  defaultTenant: string;
}

interface Read {
  credit: number;
  cancelled: boolean;
  wake: (() => void) | undefined;
}

async function serve(port: MessagePort, data: ReaderData): Promise<void> {
  const send = (m: ReaderReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const log = (msg: string, extra?: object) => send({ type: "log", msg, ...(extra ? { extra } : {}) });
  const nats = await connectNats(data.config, log, "anumate-event-bus/reader");
  const js = jetstream(nats.nc);
  const jsm = await jetstreamManager(nats.nc);
  const ctx = { subjectPrefix: data.subjectPrefix, defaultTenant: data.defaultTenant, log };
  const reads = new Map<number, Read>();

  async function run(id: number, m: Extract<ReaderRequest, { type: "read" }>, r: Read): Promise<void> {
    try {
      for await (const read of readRangeBatches(js, jsm, { ...m.query, keepHeaderBytes: true })) {
        const batch = encodeBatch(ctx, read, !m.query.headersOnly);
        while (r.credit === 0 && !r.cancelled) await new Promise<void>((wake) => (r.wake = wake));
        if (r.cancelled) return;
        r.credit--;
        send({ type: "batch", id, batch }, transferables(batch));
      }
      send({ type: "end", id });
    } catch (e) {
      send({ type: "error", id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  port.on("message", (m: ReaderRequest) => {
    if (m.type === "read") {
      const r: Read = { credit: m.credit, cancelled: false, wake: undefined };
      reads.set(m.id, r);
      void run(m.id, m, r).finally(() => reads.delete(m.id));
    } else if (m.type === "credit" || m.type === "cancel") {
      const r = reads.get(m.id);
      if (!r) return;
      if (m.type === "credit") r.credit += m.n;
      else r.cancelled = true;
      r.wake?.();
      r.wake = undefined;
    } else if (m.type === "close") {
      for (const r of reads.values()) {
        r.cancelled = true;
        r.wake?.();
      }
      void nats.nc.drain().finally(() => port.close());
    }
  });
  send({ type: "ready" });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  serve(port, workerData as ReaderData).catch((e) => {
    // the main thread reads inline instead (and says why)
    port.postMessage({ type: "log", msg: "the reading thread could not start", extra: { error: String(e) } });
    throw e;
  });
}
