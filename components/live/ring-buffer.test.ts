import { describe, expect, it } from "vitest";
import { RingBuffer } from "./ring-buffer";

describe("RingBuffer", () => {
  it("keeps items oldest first until full", () => {
    const b = new RingBuffer<number>(3);
    b.push(1);
    b.push(2);
    expect(b.toArray()).toEqual([1, 2]);
    expect(b.size).toBe(2);
    expect(b.evicted).toBe(0);
    expect(b.last()).toBe(2);
  });

  it("evicts the oldest once full, and counts what it dropped", () => {
    const b = new RingBuffer<number>(3);
    for (let i = 1; i <= 7; i++) b.push(i);
    expect(b.toArray()).toEqual([5, 6, 7]);
    expect(b.size).toBe(3);
    expect(b.total).toBe(7);
    expect(b.evicted).toBe(4);
    expect(b.last()).toBe(7);
  });

  it("stays bounded over many wraps", () => {
    const b = new RingBuffer<number>(5000);
    for (let i = 0; i < 23_456; i++) b.push(i);
    const a = b.toArray();
    expect(a).toHaveLength(5000);
    expect(a[0]).toBe(23_456 - 5000);
    expect(a.at(-1)).toBe(23_455);
  });

  it("clears", () => {
    const b = new RingBuffer<string>(2);
    b.push("a");
    b.push("b");
    b.push("c");
    b.clear();
    expect(b.toArray()).toEqual([]);
    expect(b.total).toBe(0);
    expect(b.last()).toBeUndefined();
    b.push("d");
    expect(b.toArray()).toEqual(["d"]);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
