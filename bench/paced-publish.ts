import { Agent, request } from "node:http";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { emit, NATS_URL, percentiles } from "./common";
import { nowMs, timedEvent } from "./delivery-common";

/**
 * bench/delivery.ts's publisher, in its own process: POSTs to the product's /api/events at a steady
 * `rate` events/s — every 10 ms one batch (application/cloudevents-batch+json) with the events due
 * by then, without waiting for earlier answers (pipelined over keep-alive connections). Each event's
 * data carries its publish time (`sentAt`). Runs `warmupSec + durationSec`, then prints RESULT.
 * With `natsSubject`, the baseline: the same batches published straight to JetStream with
 * @nats-io (each event with its id as Nats-Msg-Id, as the product does), a batch's "POST" time
 * being its last PubAck.
 * argv[2]: JSON { url, rate, warmupSec, durationSec, tag, natsSubject? }
 */

interface Spec {
  url: string;
  rate: number;
  warmupSec: number;
  durationSec: number;
  tag: string;
  natsSubject?: string;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as Spec;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const target = new URL("/api/events", spec.url);

let n = 0;
let sent = 0;
let accepted = 0;
let failed = 0;
let inFlight = 0;
let firstError: string | undefined;
const postLat = new Float64Array(1 << 16);
let posts = 0;

let js: JetStreamClient | undefined;

function publishRaw(js: JetStreamClient, subject: string, count: number): void {
  const t = nowMs();
  inFlight++;
  sent += count;
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${spec.tag}-${(n++).toString(36)}`;
    acks.push(js.publish(subject, timedEvent(id, t), { msgID: id }));
  }
  Promise.all(acks).then(
    () => {
      inFlight--;
      accepted += count;
      if (posts < postLat.length) postLat[posts++] = nowMs() - t;
    },
    (e) => {
      inFlight--;
      failed += count;
      firstError ??= String(e);
    },
  );
}

function post(count: number): void {
  if (js && spec.natsSubject) {
    publishRaw(js, spec.natsSubject, count);
    return;
  }
  const t = nowMs();
  const parts: string[] = new Array(count);
  for (let i = 0; i < count; i++) parts[i] = timedEvent(`${spec.tag}-${(n++).toString(36)}`, t);
  const body = `[${parts.join(",")}]`;
  inFlight++;
  sent += count;
  const req = request(
    target,
    {
      method: "POST",
      agent,
      headers: { "content-type": "application/cloudevents-batch+json", "content-length": Buffer.byteLength(body) },
    },
    (res) => {
      res.resume();
      res.on("end", () => {
        inFlight--;
        if (posts < postLat.length) postLat[posts++] = nowMs() - t;
        if (res.statusCode && res.statusCode < 300) accepted += count;
        else {
          failed += count;
          firstError ??= `HTTP ${res.statusCode}`;
        }
      });
    },
  );
  req.on("error", (e) => {
    inFlight--;
    failed += count;
    firstError ??= String(e);
  });
  req.end(body);
}

async function main() {
  const nc = spec.natsSubject ? await connect({ servers: NATS_URL, name: "bench-paced-raw" }) : undefined;
  if (nc) js = jetstream(nc);
  emit("READY", { rate: spec.rate });
  const start = performance.now();
  const total = spec.warmupSec + spec.durationSec;
  let due = 0;
  emit("MEASURE", { measureFrom: nowMs() + spec.warmupSec * 1000 });
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = (performance.now() - start) / 1000;
      const target = Math.floor(Math.min(elapsed, total) * spec.rate);
      const count = target - due;
      if (count > 0) {
        due = target;
        post(count);
      }
      if (elapsed >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 10);
  });
  const publishedUntil = nowMs();
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  agent.destroy();
  await nc?.close();
  emit("RESULT", { sent, accepted, failed, firstError, publishedUntil, postLatencyMs: percentiles(postLat, posts) });
}

main().catch((e) => {
  console.error(`paced publisher failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
