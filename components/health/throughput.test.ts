import { describe, expect, it } from "vitest";
import { appendSample, throughputOf } from "./throughput";

describe("throughput", () => {
  it("derives events per second from successive last sequences", () => {
    let s = appendSample([], { at: 0, lastSeq: 100 });
    s = appendSample(s, { at: 3000, lastSeq: 130 });
    s = appendSample(s, { at: 6000, lastSeq: 131 });
    expect(throughputOf(s)).toEqual([
      { at: 3000, perSec: 10 },
      { at: 6000, perSec: 0.3 },
    ]);
  });

  it("ignores repeated answers, restarts when the stream was recreated, keeps a bound", () => {
    let s = appendSample([], { at: 1000, lastSeq: 5 });
    s = appendSample(s, { at: 1000, lastSeq: 6 });
    expect(s).toHaveLength(1);
    s = appendSample(s, { at: 2000, lastSeq: 1 });
    expect(s).toEqual([{ at: 2000, lastSeq: 1 }]);
    for (let i = 1; i <= 50; i++) s = appendSample(s, { at: 2000 + i * 1000, lastSeq: i }, 10);
    expect(s).toHaveLength(10);
    expect(s.at(-1)).toEqual({ at: 52_000, lastSeq: 50 });
  });
});
