import { describe, expect, it } from "vitest";
import { parseAckReply } from "./ack-reply";

describe("parseAckReply", () => {
  it("reads both reply formats", () => {
    expect(parseAckReply("$JS.ACK.S.c1.2.42.7.1795793284669086941.3")).toEqual({
      seq: 42,
      deliveries: 2,
      timeMs: 1795793284669,
      pending: 3,
    });
    expect(parseAckReply("$JS.ACK.hub.ACCHASH.S.c1.1.42.7.1795793284669086941.3.tok")).toEqual({
      seq: 42,
      deliveries: 1,
      timeMs: 1795793284669,
      pending: 3,
    });
    expect(parseAckReply("$JS.ACK.hub.ACCHASH.S.c1.5.9.7.123.0")?.deliveries).toBe(5);
    expect(parseAckReply("$JS.ACK.S.c1.1.42.7.999.0")?.timeMs).toBe(0);
    // as received (bytes), and with names outside ASCII (a stream named Į: its UTF-8 holds no dot)
    expect(parseAckReply(Buffer.from("$JS.ACK.S.c1.2.42.7.1795793284669086941.3"))?.seq).toBe(42);
    expect(parseAckReply("$JS.ACK.Į.c1.2.42.7.1795793284669086941.3")?.seq).toBe(42);
  });

  it("refuses anything else", () => {
    for (const bad of [
      "$JS.ACK.S.c1.1",
      "_INBOX.x",
      "$JS.ACK.S.c1.1.x.7.1795793284669086941.3",
      "$JS.ACK.S.c1.1.42.7.17957932846690869z1.3",
      "$JS.ACK.S.c1.1.42.7..3",
      "$JS.ACK.S.c1.1.42.7.1795793284669086941.",
      "$JS.ACK.S.c1.1.42.7.1795793284669086941.3.a",
      "$JS.ACK.a.b.c.d.e.f.g.h.i.j.k.l.m",
    ])
      expect([parseAckReply(bad), parseAckReply(Buffer.from(bad))], bad).toEqual([undefined, undefined]);
  });
});
