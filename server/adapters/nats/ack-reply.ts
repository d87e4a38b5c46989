/** What a JetStream message's reply subject says about it. */
export interface AckReply {
  /** Stream sequence. */
  seq: number;
  /** Times this consumer has delivered it (1 the first time). */
  deliveries: number;
  /** When it was stored, in whole ms since the epoch. */
  timeMs: number;
  /** Messages the consumer has still to deliver after this one. */
  pending: number;
}

/** Dot positions of the reply being read (replies have at most 12 tokens). */
const dots = new Int32Array(12);
const PREFIX = Buffer.from("$JS.ACK.", "latin1");

/**
 * Reads `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts ns>.<pending>` or, with a domain
 * and account hash, `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<token>]`
 * in one pass, without splitting it (nats.js's `info` makes a dozen strings and an object per message).
 * Read from its bytes as received where the client exposes them (`replyBytes`): no string is made.
 */
export function parseAckReply(reply: string | Uint8Array): AckReply | undefined {
  const b = typeof reply === "string" ? Buffer.from(reply) : reply;
  const len = b.length;
  if (len < PREFIX.length) return undefined;
  for (let i = 0; i < PREFIX.length; i++) if (b[i] !== PREFIX[i]) return undefined;
  let n = 0;
  for (let i = 0; i < len; i++) {
    if (b[i] !== DOT) continue;
    if (n === dots.length) return undefined;
    dots[n++] = i;
  }
  const tokens = n + 1;
  const base = tokens === 9 ? 2 : tokens >= 11 ? 4 : -1;
  if (base < 0) return undefined;
  const start = (k: number) => (dots[k - 1] as number) + 1;
  const end = (k: number) => (k < n ? (dots[k] as number) : len);
  const deliveries = digits(b, start(base + 2), end(base + 2));
  const seq = digits(b, start(base + 3), end(base + 3));
  const pending = digits(b, start(base + 6), end(base + 6));
  // whole ms: the ns count without its last six digits
  const ns0 = start(base + 5);
  const ns1 = end(base + 5);
  const cut = Math.max(ns0, ns1 - 6);
  const timeMs = cut > ns0 ? digits(b, ns0, cut) : 0;
  if (Number.isNaN(deliveries + seq + pending + timeMs) || ns1 === ns0 || Number.isNaN(digits(b, cut, ns1))) return undefined;
  return { seq, deliveries, timeMs, pending };
}

const DOT = 0x2e;

/** The decimal number in `b` from `from` to `to`, NaN unless it is 1–15 digits. */
function digits(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return Number.NaN;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = (b[i] as number) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}
