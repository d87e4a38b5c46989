import { describe, expect, it } from "vitest";
import type { CloudEvent } from "../cloudevents/event";
import { type Delivery, deliveryWith } from "./ports";

const acked: string[] = [];

class Counting implements Delivery {
  readonly seq = 5;
  readonly subject = "s";
  readonly tenant = "t";
  readonly storedAt = "2026-01-01T00:00:00.000Z";
  readonly attempt = 1;
  readonly deliveryId = "c:5:1";
  reads = 0;
  get event(): CloudEvent {
    this.reads++;
    return { id: "e" } as CloudEvent;
  }
  ack(): void {
    acked.push(this.deliveryId);
  }
  nak(): void {}
  term(): void {}
  working(): void {}
}

describe("deliveryWith", () => {
  it("changes the named fields and keeps lazily read fields and methods (reading nothing ahead)", () => {
    const d = new Counting();
    const changed = deliveryWith(d, { attempt: 3 });
    expect(d.reads).toBe(0);
    expect([changed.attempt, changed.seq, changed.deliveryId, d.attempt]).toEqual([3, 5, "c:5:1", 1]);
    expect(changed.event.id).toBe("e");
    changed.ack();
    expect(acked).toEqual(["c:5:1"]);
    expect(deliveryWith(changed, { trace: { traceparent: "x" } }).attempt).toBe(3);
  });
});
