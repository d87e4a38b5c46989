import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { emit, idFactory, NATS_URL, percentiles, structuredEvent } from "./common";

/**
 * Case (a), in its own process: raw @nats-io JetStream publish, pipelined — a sliding window of
 * `window` publishes awaiting their PubAck; each ack starts the next publish. Payload: the
 * structured JSON event (~1 KB), with its id as Nats-Msg-Id (as the product does, so the server
 * does the same duplicate check). Latency is per publish: from publish() to its PubAck.
 * argv[2]: JSON { subject, window, warmupSec, durationSec, tag }
 */

interface RawSpec {
  subject: string;
  window: number;
  warmupSec: number;
  durationSec: number;
  tag: string;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as RawSpec;
const nextId = idFactory(spec.tag);
const encoder = new TextEncoder();

async function main() {
  const nc = await connect({ servers: NATS_URL, name: "bench-raw-publish" });
  const js = jetstream(nc);
  emit("READY", { window: spec.window });

  let measuring = false;
  let stopping = false;
  let inFlight = 0;
  let acked = 0;
  let duplicates = 0;
  let errors = 0;
  let lat = new Float64Array(1 << 20);
  let firstError: string | undefined;
  let drained: (() => void) | undefined;

  const record = (ms: number) => {
    if (acked === lat.length) {
      const bigger = new Float64Array(lat.length * 2);
      bigger.set(lat);
      lat = bigger;
    }
    lat[acked] = ms;
  };

  const launch = () => {
    inFlight++;
    const id = nextId();
    const t0 = performance.now();
    const counted = measuring;
    js.publish(spec.subject, encoder.encode(structuredEvent(id)), { msgID: id }).then(
      (ack) => {
        inFlight--;
        if (counted && measuring) {
          record(performance.now() - t0);
          acked++;
          if (ack.duplicate) duplicates++;
        }
        pump();
      },
      (e) => {
        inFlight--;
        if (counted && measuring) errors++;
        firstError ??= String(e);
        pump();
      },
    );
  };
  const pump = () => {
    while (!stopping && inFlight < spec.window) launch();
    if (stopping && inFlight === 0) drained?.();
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  pump();
  await sleep(spec.warmupSec * 1000);
  measuring = true;
  acked = 0;
  const start = performance.now();
  emit("MEASURE", { at: Date.now() });
  await sleep(spec.durationSec * 1000);
  measuring = false;
  const durationSec = (performance.now() - start) / 1000;
  stopping = true;
  await new Promise<void>((resolve) => {
    drained = resolve;
    pump();
  });
  await nc.drain();
  emit("RESULT", {
    durationSec,
    acked,
    duplicates,
    errors,
    firstError,
    latencyMs: percentiles(lat, acked),
  });
}

main().catch((e) => {
  console.error(`raw publisher failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
