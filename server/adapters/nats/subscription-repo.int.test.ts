import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubscription, withTestApp } from "../../testing/app-hooks";
import { testConfig, uniqueSuffix } from "../../testing/fixtures";
import { apiClient } from "../../testing/http";
import { createStatusBoard, keysOf, openKv } from "./subscription-repo";

let nc: NatsConnection;
const bucket = `T_${uniqueSuffix()}_BOARD`;

beforeAll(async () => {
  nc = await connect({ servers: testConfig().NATS_URL });
});
afterAll(async () => {
  await (await jetstreamManager(nc)).streams.delete(`KV_${bucket}`).catch(() => {});
  await nc?.close();
});

async function consumersOf(stream: string): Promise<number> {
  let n = 0;
  for await (const _ of (await jetstreamManager(nc)).consumers.list(stream)) n++;
  return n;
}

const status = (instance: string) => ({ instance, members: 1, delivered: 0, circuit: "closed" as const, lastError: null });

describe("listing KV keys", () => {
  it("finds the keys with an entry without leaving a consumer on the server (nats.js keys() leaves one per call)", async () => {
    const kv = await openKv(jetstream(nc), bucket);
    const board = createStatusBoard(kv);
    await Promise.all([board.report("a", status("i1")), board.report("a", status("i2")), board.report("ab", status("i3"))]);
    await board.report("b", status("i1"));
    await board.clear("a", "i2");
    expect((await keysOf(kv, "a.*")).sort()).toEqual(["a.i1", "a.i2"]); // the purged one has a marker
    for (let i = 0; i < 5; i++) {
      expect((await board.read("a")).map((s) => s.instance)).toEqual(["i1"]);
      expect(await board.read("c")).toEqual([]);
    }
    expect(await consumersOf(`KV_${bucket}`)).toBe(0);
  });
});

describe("the subscriptions API", () => {
  const app = withTestApp();
  const api = apiClient(() => app.url);

  it("lists subscriptions and reads their stats without adding consumers to the buckets", async () => {
    const sub = await createSubscription(api, { target: { type: "websocket" } });
    const streams = ["SUBS", "STATUS"].map((b) => `KV_${app.config.STREAM_NAME}_${b}`);
    const before = await Promise.all(streams.map(consumersOf));
    for (let i = 0; i < 5; i++) {
      expect((await api("GET", "/api/subscriptions")).status).toBe(200);
      expect((await api("GET", `/api/subscriptions/${sub.id}`)).status).toBe(200);
    }
    expect(await Promise.all(streams.map(consumersOf))).toEqual(before);
  });
});
