import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector";
import { createContainer } from "../server/container";
import { systemCtx } from "../server/core/context";
import { cleanup, testConfig } from "../server/testing/fixtures";
import { createHttpServer } from "../server/transport/http/server";
import { emit } from "./common";

/**
 * Cases (c) and (d), in their own process: what server.ts does minus Next — config, container,
 * the API's HTTP server. Unique stream names per run (testConfig); on SIGTERM it closes the HTTP
 * server, stops the container and deletes its streams and Redis keys.
 *
 * env BENCH_CPU_PROFILE=<file>: SIGUSR2 starts the V8 CPU profiler (the orchestrator sends it when
 * the measured phase starts); on SIGTERM the profile is written to <file> before shutting down.
 */

const profilePath = process.env.BENCH_CPU_PROFILE;

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

/** Ends a profile (`method` answers `{ profile }`) and writes it to `file`; a failure is reported, not thrown. */
async function saveProfile(session: Session, method: string, file: string, what: string): Promise<void> {
  try {
    const { profile } = await post<{ profile: object }>(session, method);
    writeFileSync(file, JSON.stringify(profile));
  } catch (e) {
    console.error(`could not write the ${what} profile: ${String(e)}`);
  }
}

async function main() {
  // BENCH_ENV_<NAME>=value sets config variable <NAME> (e.g. BENCH_ENV_METRICS_FLUSH_MS=100)
  const overrides = Object.fromEntries(
    Object.entries(process.env)
      .filter(([k, v]) => k.startsWith("BENCH_ENV_") && v !== undefined)
      .map(([k, v]) => [k.slice("BENCH_ENV_".length), v as string]),
  );
  const config = testConfig({ LOG_LEVEL: "warn", ...overrides });
  const container = await createContainer(config);
  const http = createHttpServer(container);
  const port = await http.listen(0, "127.0.0.1");

  if (process.env.BENCH_LOOP_DIAG === "1") {
    const { monitorEventLoopDelay, PerformanceObserver } = await import("node:perf_hooks");
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    let gcs: number[] = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries())
        gcs.push(Math.round(e.duration) * 100 + ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0));
    }).observe({ entryTypes: ["gc"] });
    setInterval(() => {
      const big = gcs.filter((d) => d >= 1000).map((d) => `${Math.floor(d / 100)}ms/k${d % 100}`);
      console.error(
        `loop p99 ${(h.percentile(99) / 1e6).toFixed(1)} max ${(h.max / 1e6).toFixed(1)} ms; gc ${gcs.length} total ${gcs.reduce((a, b) => a + Math.floor(b / 100), 0)} ms, >=10ms: ${big.join(",")}`,
      );
      h.reset();
      gcs = [];
    }, 2000).unref();
  }
  let session: Session | undefined;
  if (profilePath) {
    session = new Session();
    session.connect();
    await post(session, "Profiler.enable");
    await post(session, "Profiler.setSamplingInterval", { interval: 250 });
    const s = session;
    process.on("SIGUSR2", () => void post(s, "Profiler.start"));
  }
  // BENCH_HEAP_PROFILE=<file>: allocations by call site (sampled, counting objects already collected)
  // from SIGUSR2 to SIGTERM
  const heapPath = process.env.BENCH_HEAP_PROFILE;
  let heapSession: Session | undefined;
  if (heapPath) {
    heapSession = new Session();
    heapSession.connect();
    const s = heapSession;
    process.on(
      "SIGUSR2",
      () =>
        void post(s, "HeapProfiler.startSampling", {
          samplingInterval: 16_384,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        }),
    );
  }

  let controlUrl: string | undefined;
  if (process.env.BENCH_CONTROL === "1") {
    const counters = new Map<string, { count: number; n: number; attachedAt: number; doneAt?: number }>();
    const control = createServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://x");
      const id = u.searchParams.get("id") ?? "";
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "POST" && u.pathname === "/attach") {
        const counter = { count: 0, n: Number(u.searchParams.get("n") ?? 0), attachedAt: performance.now() } as {
          count: number;
          n: number;
          attachedAt: number;
          doneAt?: number;
        };
        counters.set(id, counter);
        container.subscriptions
          .attachHandler({
            ctx: systemCtx("bench"),
            input: {
              id,
              handler: () => {
                counter.count++;
                if (counter.count === counter.n) counter.doneAt = performance.now();
              },
            },
          })
          .then(
            () => answer(200, { attached: id }),
            (e) => answer(500, { error: String(e) }),
          );
        return;
      }
      if (req.method === "GET" && u.pathname === "/count") {
        const c = counters.get(id);
        answer(c ? 200 : 404, c ?? { error: "no such counter" });
        return;
      }
      answer(404, { error: "not found" });
    });
    await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
    const addr = control.address();
    controlUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  }

  emit("READY", {
    url: `http://127.0.0.1:${port}`,
    ...(controlUrl ? { controlUrl } : {}),
    stream: config.STREAM_NAME,
    // the whole config, so the orchestrator can run the same cleanup if this process dies
    config,
  });

  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      if (heapSession && heapPath) await saveProfile(heapSession, "HeapProfiler.stopSampling", heapPath, "heap");
      if (session && profilePath) {
        await saveProfile(session, "Profiler.stop", profilePath, "CPU");
        session.disconnect();
      }
      await http.close(2000);
      await container.stop();
      await cleanup(config);
      process.exit(0);
    })().catch((e) => {
      console.error(`product server shutdown failed: ${String(e)}`);
      process.exit(1);
    });
  });
}

main().catch((e) => {
  console.error(`product server failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
