import { Parser } from "@nats-io/nats-core/internal";

/**
 * nats.js (3.4) reads the arguments of every `HMSG` line (`subject sid [reply] hdr size`) into an
 * array of views, one per argument, and then parses the numbers out of them: an array and five
 * `Uint8Array` views made per message received, about a tenth of the reading thread's time in a
 * replay (docs/benchmarks.md, thirteenth round). This reads them in one pass and makes only the
 * subject's and the reply's views. A line it does not read exactly as nats.js would (not four or
 * five arguments, a number nats.js refuses) goes to nats.js's own method, which throws its error.
 */
interface MsgArg {
  subject: Uint8Array;
  sid: number;
  reply: Uint8Array | undefined;
  hdr: number;
  size: number;
}

type ProcessArgs = (this: { ma: MsgArg }, arg: Uint8Array) => void;

const proto = Parser.prototype as unknown as {
  processHeaderMsgArgs: ProcessArgs;
  /** nats.js's own method, kept for the lines this one passes on (and for the test that compares them). */
  __originalHeaderMsgArgs?: ProcessArgs;
};

/** Where each argument starts and ends (at most five). */
const bounds = new Int32Array(10);
const MAX_64MB = 64 * 1024 * 1024;

if (!proto.__originalHeaderMsgArgs) {
  const original = proto.processHeaderMsgArgs;
  proto.__originalHeaderMsgArgs = original;
  proto.processHeaderMsgArgs = function (this: { ma: MsgArg }, arg: Uint8Array) {
    let n = 0;
    let start = -1;
    for (let i = 0; i <= arg.length; i++) {
      // the separators nats.js splits on: space, tab, CR, LF (and the line's end)
      const b = i < arg.length ? (arg[i] as number) : 0x20;
      if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) {
        if (start < 0) continue;
        if (n === bounds.length) return original.call(this, arg);
        bounds[n++] = start;
        bounds[n++] = i;
        start = -1;
      } else if (start < 0) start = i;
    }
    if (n !== 8 && n !== 10) return original.call(this, arg);
    const sid = protoInt(arg, bounds[2] as number, bounds[3] as number, Number.MAX_SAFE_INTEGER);
    const hdr = protoInt(arg, bounds[n - 4] as number, bounds[n - 3] as number, MAX_64MB);
    const size = protoInt(arg, bounds[n - 2] as number, bounds[n - 1] as number, MAX_64MB);
    if (sid < 0 || hdr < 0 || size < 0 || hdr > size) return original.call(this, arg);
    const ma = this.ma;
    ma.subject = arg.subarray(bounds[0], bounds[1]);
    ma.sid = sid;
    ma.reply = n === 10 ? arg.subarray(bounds[4], bounds[5]) : undefined;
    ma.hdr = hdr;
    ma.size = size;
  };
}

/** As nats.js's `protoParseInt`: 1–15 decimal digits, at most `max`; else -1. */
function protoInt(a: Uint8Array, from: number, to: number, max: number): number {
  if (to - from === 0 || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = (a[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v > max ? -1 : v;
}
