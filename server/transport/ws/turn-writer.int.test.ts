import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { TurnWriter } from "./turn-writer";

let wss: WebSocketServer | undefined;
afterEach(() => {
  wss?.close();
  wss = undefined;
});

/** A server connection and a client that records every text message it gets. */
async function pair(perMessageDeflate = false): Promise<{ server: WebSocket; got: string[]; client: WebSocket }> {
  wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate });
  await once(wss, "listening");
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [server] = (await once(wss, "connection")) as [WebSocket];
  await once(client, "open");
  const got: string[] = [];
  client.on("message", (d, binary) => {
    expect(binary).toBe(false);
    got.push(d.toString());
  });
  return { server, got, client };
}

async function until(check: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > 5000) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("TurnWriter (the frames of one turn in one socket write)", () => {
  it("delivers every frame whole and in order, at every header size (7-bit, 16-bit, 64-bit lengths)", async () => {
    const { server, got, client } = await pair();
    const out = new TurnWriter(server);
    const sizes = [0, 1, 125, 126, 127, 1000, 65_535, 65_536, 70_000, 5];
    const texts = sizes.map((n, i) => `${i}:${"é".repeat(Math.floor(n / 2))}${"x".repeat(n % 2)}`);
    for (const t of texts) out.send(t);
    expect(out.queued()).toBeGreaterThan(0);
    await until(() => got.length === texts.length);
    expect(got).toEqual(texts);
    expect(out.queued()).toBe(0);
    // later turns go on in order, and flush() sends at once
    out.send("a");
    out.flush();
    out.send("b");
    await until(() => got.length === texts.length + 2);
    expect(got.slice(-2)).toEqual(["a", "b"]);
    client.close();
  });

  it("sends JSON in parts (stored data copied, its line breaks as spaces) among text frames, also where ws writes itself", async () => {
    for (const deflate of [false, true]) {
      const { server, got, client } = await pair(deflate);
      const out = new TurnWriter(server);
      const parts = { head: '{"n":1,"event":{"data":', data: Buffer.from('{"é":\r\n"x\\n"}'), tail: "}}" };
      out.send("before");
      out.send(parts);
      out.send({ head: '{"whole":"ü"}', tail: "" });
      out.send("after");
      await until(() => got.length === 4);
      expect(got).toEqual(["before", '{"n":1,"event":{"data":{"é":  "x\\n"}}}', '{"whole":"ü"}', "after"]);
      expect(JSON.parse(got[1] as string)).toEqual({ n: 1, event: { data: { é: "x\n" } } });
      client.close();
    }
  });

  it("sends nothing once the connection is closing, and what is flushed before close goes first", async () => {
    const { server, got, client } = await pair();
    const out = new TurnWriter(server);
    out.send("last words");
    out.flush();
    server.close(1000, "bye");
    out.send("too late");
    out.flush();
    const [code] = (await once(client, "close")) as [number];
    expect(code).toBe(1000);
    expect(got).toEqual(["last words"]);
  });
});
