/** A reading of the stream's last sequence, from a health check. */
export interface SeqSample {
  /** When the bus answered (ms since the epoch). */
  at: number;
  lastSeq: number;
}

/** One point of the throughput chart: events stored per second since the previous sample. */
export interface ThroughputPoint {
  at: number;
  perSec: number;
}

/**
 * The samples with `s` added, at most `max` kept. A repeated answer (same time) is ignored; a
 * sequence that went back (the stream was recreated) starts the series again.
 */
export function appendSample(samples: readonly SeqSample[], s: SeqSample, max = 40): SeqSample[] {
  const last = samples.at(-1);
  if (last && s.at <= last.at) return [...samples];
  if (last && s.lastSeq < last.lastSeq) return [s];
  return [...samples, s].slice(-max);
}

/** Events stored per second between consecutive samples. */
export function throughputOf(samples: readonly SeqSample[]): ThroughputPoint[] {
  const out: ThroughputPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as SeqSample;
    const b = samples[i] as SeqSample;
    const sec = (b.at - a.at) / 1000;
    if (sec > 0) out.push({ at: b.at, perSec: Math.round(((b.lastSeq - a.lastSeq) / sec) * 10) / 10 });
  }
  return out;
}
