import autocannon from "autocannon";
import { buildRequest, emit, idFactory, type LoadKind, percentiles } from "./common";

/**
 * Load generator (its own process): one autocannon run of warm-up + measured time against one URL.
 * Only answers that arrive inside the measured window count (so the connections stay warm and in
 * steady state at the window's start — no reconnect, no synchronised first wave); latency is
 * per request, from autocannon's own timing. Every request carries fresh event ids, so nothing is
 * deduplicated by JetStream.
 * argv[2]: JSON { url, kind, connections, warmupSec, durationSec, tag, batchSize }
 */

interface LoadSpec {
  url: string;
  kind: LoadKind;
  connections: number;
  warmupSec: number;
  durationSec: number;
  tag: string;
  batchSize: number;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
const nextId = idFactory(spec.tag);
const first = buildRequest(spec.kind, nextId, spec.batchSize);

interface Instance {
  on(event: "response", fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  on(event: "reqError", fn: (err: Error) => void): void;
  stop(): void;
}

async function main() {
  let measuring = false;
  const statusCodes: Record<string, number> = {};
  let ok2xx = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let lat = new Float64Array(1 << 16);

  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      // autocannon is stopped when the window closes; this is only a backstop
      duration: spec.warmupSec + spec.durationSec + 5,
      timeout: 30,
      requests: [
        {
          method: first.method,
          path: first.path,
          setupRequest: (req) => {
            const r = buildRequest(spec.kind, nextId, spec.batchSize);
            return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
          },
        },
      ],
    },
    (err) => {
      if (err) console.error(`autocannon: ${err.message}`);
      finished();
    },
  ) as Instance;

  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (!measuring) return;
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      if (ok2xx === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      lat[ok2xx++] = responseTime;
    } else non2xx++;
  });
  instance.on("reqError", (err) => {
    if (!measuring) return;
    errors++;
    if (/timed out/.test(err.message)) timeouts++;
  });

  emit("READY", { kind: spec.kind });
  await new Promise((r) => setTimeout(r, spec.warmupSec * 1000));
  measuring = true;
  const start = performance.now();
  emit("MEASURE", { at: Date.now() });
  await new Promise((r) => setTimeout(r, spec.durationSec * 1000));
  measuring = false;
  const durationSec = (performance.now() - start) / 1000;
  emit("RESULT", {
    durationSec,
    ok2xx,
    non2xx,
    errors,
    timeouts,
    statusCodes,
    eventsPerRequest: first.events,
    latencyMs: percentiles(lat, ok2xx),
  });
  instance.stop();
  await done;
  process.exit(0);
}

main().catch((e) => {
  console.error(`load generator failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
