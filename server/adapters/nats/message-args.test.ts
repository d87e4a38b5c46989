import { Parser } from "@nats-io/nats-core/internal";
import { describe, expect, it } from "vitest";
import "./message-args";

type Args = { subject?: Uint8Array; sid?: number; reply?: Uint8Array; hdr?: number; size?: number };
type Method = (this: { ma: Args }, arg: Uint8Array) => void;
const proto = Parser.prototype as unknown as { processHeaderMsgArgs: Method; __originalHeaderMsgArgs?: Method };

/** Small seeded PRNG (mulberry32) so property tests are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a parser makes of one line: its arguments, or the error it throws. */
function run(method: Method, line: Uint8Array): unknown {
  const parser = new Parser(null as never) as unknown as { ma: Args };
  parser.ma = { sid: -1, hdr: -1 };
  try {
    method.call(parser, line);
  } catch (e) {
    return { error: (e as Error).message };
  }
  const { subject, sid, reply, hdr, size } = parser.ma;
  return { subject: subject && Buffer.from(subject).toString(), sid, reply: reply && Buffer.from(reply).toString(), hdr, size };
}

describe("HMSG arguments read in one pass (message-args.ts)", () => {
  it("is installed, and reads every line as nats.js's own method does: the same arguments, or the same error", () => {
    const original = proto.__originalHeaderMsgArgs;
    if (!original) throw new Error("not installed");
    expect(proto.processHeaderMsgArgs).not.toBe(original);
    const rnd = prng(77);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const number = () =>
      rnd() < 0.85
        ? String(Math.floor(rnd() * 5000))
        : pick(["0", "67108864", "67108865", "999999999999999", "1234567890123456", "12a", "", "-1"]);
    const word = () => pick(["ev.acme.com.anumate.t1", "$JS.ACK.S.c.1.42.7.1795793284669086941.3", "_INBOX.x.1", "a", "ü.x"]);
    const sep = () => pick([" ", " ", " ", "\t", "  ", " \t "]);
    let taken = 0;
    for (let n = 0; n < 5000; n++) {
      const count = pick([4, 4, 5, 5, 5, 3, 6, 1]);
      const parts: string[] = [];
      for (let k = 0; k < count; k++) parts.push(k === 0 || (count === 5 && k === 2) ? word() : number());
      // a valid size is at least the header's length (mostly)
      if (rnd() < 0.6 && count >= 4) parts[count - 1] = String(Number(parts[count - 2]) + Math.floor(rnd() * 2000));
      const line = Buffer.from((rnd() < 0.1 ? sep() : "") + parts.join(sep()) + (rnd() < 0.1 ? pick(["\r", " "]) : ""));
      // a view into a longer read, as the parser gets it
      const view = Buffer.concat([Buffer.from("HMSG "), line, Buffer.from("\r\n")]).subarray(5, 5 + line.length);
      const ours = run(proto.processHeaderMsgArgs, view);
      expect(ours).toEqual(run(original, view));
      if (!(ours as { error?: string }).error) taken++;
    }
    expect(taken).toBeGreaterThan(1500);
  });
});
