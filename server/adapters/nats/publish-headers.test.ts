import { MsgHdrsImpl } from "@nats-io/nats-core/internal";
import { describe, expect, it } from "vitest";
import { PublishHeaders } from "./publish-headers";

describe("PublishHeaders (header blocks the bus publishes)", () => {
  it("encodes what nats.js decodes to the same names and values, in order, repeated names kept", () => {
    const h = new PublishHeaders()
      .append("ce-id", "e-1")
      .append("ce-type", "com.anumate.capsule.created")
      .append("ce-source", "%2Fsvc%20a")
      .append("x-multi", "1")
      .append("x-multi", "2");
    h.set("Nats-Msg-Id", "m-1");
    const back = MsgHdrsImpl.decode(h.encode());
    expect([...back.keys()]).toEqual(["ce-id", "ce-type", "ce-source", "x-multi", "Nats-Msg-Id"]);
    expect(back.get("ce-source")).toBe("%2Fsvc%20a");
    expect(back.values("x-multi")).toEqual(["1", "2"]);
    expect(back.get("Nats-Msg-Id")).toBe("m-1");
    expect(new TextDecoder().decode(h.encode())).toMatch(/^NATS\/1\.0\r\n.*\r\n\r\n$/s);
  });

  it("set replaces every value of a name; get and has read it", () => {
    const h = new PublishHeaders().append("a", "1").append("b", "2").append("a", "3");
    h.set("a", "9");
    expect(h.get("a")).toBe("9");
    expect(h.has("b")).toBe(true);
    expect(h.has("c")).toBe(false);
    expect(h.get("c")).toBe("");
    const back = MsgHdrsImpl.decode(h.encode());
    expect([...back.keys()]).toEqual(["b", "a"]);
    expect(back.values("a")).toEqual(["9"]);
  });
});
