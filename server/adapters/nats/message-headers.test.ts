import { MsgHdrsImpl } from "@nats-io/nats-core/internal";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { messageHeaders, parseHeaderBlock } from "./message-headers";

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NAMES = ["ce-id", "ce-type", "Ce-Source", "content-type", "Content-Type", "Anumate-Data", "x-a", "Nats-Msg-Id"];
const VALUES = ["1", " padded ", "a:b:c", "%C3%A9t%C3%A9", "é", "", "com.anumate.capsule.created"];

describe("parseHeaderBlock reads a header block as nats.js does", () => {
  it("same names and first values as MsgHdrsImpl.decode, for random blocks", () => {
    const rnd = prng(7);
    const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)] as T;
    for (let n = 0; n < 300; n++) {
      const h = new MsgHdrsImpl();
      for (let i = Math.floor(rnd() * 8); i > 0; i--) h.append(pick(NAMES), pick(VALUES));
      const block = h.encode();
      const theirs = MsgHdrsImpl.decode(block);
      const ours = parseHeaderBlock(new TextDecoder().decode(block));
      expect([...ours.keys()]).toEqual([...theirs.keys()]);
      for (const k of theirs.keys()) expect(ours.get(k)).toBe(theirs.get(k));
      expect(ours.get("absent")).toBe("");
    }
  });

  it("finds Content-Type whatever its case; other names are exact", () => {
    const ours = parseHeaderBlock("NATS/1.0\r\nCONTENT-TYPE: application/json\r\nce-id: 1\r\n\r\n");
    expect(ours.get("content-type")).toBe("application/json");
    expect(ours.get("Content-Type")).toBe("application/json");
    expect(ours.get("CE-ID")).toBe("");
    expect(ours.get("ce-id")).toBe("1");
  });

  it("skips the status line and lines without a name", () => {
    const ours = parseHeaderBlock("NATS/1.0 408 Request Timeout\r\n: x\r\nbad line\r\nk: v\r\n\r\n");
    expect([...ours.keys()]).toEqual(["k"]);
  });

  it("falls back to msg.headers for a message that is not nats.js's own", () => {
    const h = natsHeaders();
    h.set("ce-id", "7");
    expect(messageHeaders({ headers: h })?.get("ce-id")).toBe("7");
    expect(messageHeaders({})).toBeUndefined();
  });
});
