import type { LagSample, MetricsRecorder } from "./ports";

export interface LagSamplerOptions {
  /** Sampling period (`LAG_SAMPLE_MS`). */
  intervalMs: number;
  /** Lag (events not yet delivered) and ack-pending of every subscription. */
  figures(): Promise<{ subscription: string; lag: number; ackPending: number }[]>;
  /**
   * Whether this replica takes the sample of the period starting at `periodMs` (one replica per
   * period, so replicas do not each query NATS and write the same sample). Resolves true when it
   * cannot tell (Redis down): samples are then kept and written first-wins per period.
   */
  claim(periodMs: number): Promise<boolean>;
  recorder: Pick<MetricsRecorder, "lag">;
  log?: (msg: string, extra: object) => void;
  now?: () => number;
}

export interface LagSampler {
  start(): void;
  /** Samples the current period now if no one has (tests, shutdown); resolves with the samples taken. */
  sample(): Promise<LagSample[]>;
  stop(): Promise<void>;
}

/** Samples consumer lag once per period into the metrics time series. */
export function createLagSampler(o: LagSamplerOptions): LagSampler {
  const now = o.now ?? Date.now;
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastPeriod = -1;
  let running: Promise<LagSample[]> | undefined;

  async function sampleOnce(): Promise<LagSample[]> {
    const period = Math.floor(now() / o.intervalMs) * o.intervalMs;
    if (period === lastPeriod) return [];
    lastPeriod = period;
    if (!(await o.claim(period).catch(() => true))) return [];
    const figures = await o.figures();
    const samples = figures.map((f) => ({ subscription: f.subscription, atMs: period, lag: f.lag, ackPending: f.ackPending }));
    if (samples.length > 0) o.recorder.lag(samples);
    return samples;
  }

  function sample(): Promise<LagSample[]> {
    running ??= sampleOnce()
      .catch((e) => {
        o.log?.("lag sample failed", { err: String(e) });
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    start() {
      if (timer) return;
      // ticks several times per period so each period is sampled once, early, whatever the drift
      timer = setInterval(() => void sample(), Math.max(25, Math.floor(o.intervalMs / 4)));
      timer.unref();
    },
    sample,
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
