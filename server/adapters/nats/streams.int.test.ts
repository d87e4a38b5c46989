import { type JetStreamManager, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { uniqueSuffix } from "../../testing/fixtures";
import { ensureStream, StreamConflictError, type StreamSpec } from "./streams";

let nc: NatsConnection;
let jsm: JetStreamManager;
const made: string[] = [];

beforeAll(async () => {
  nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
  jsm = await jetstreamManager(nc);
});
afterEach(async () => {
  for (const s of made.splice(0)) await jsm.streams.delete(s).catch(() => {});
});
afterAll(async () => {
  await nc.close();
});

function spec(over: Partial<StreamSpec> = {}): StreamSpec {
  const id = uniqueSuffix();
  const s = {
    name: `TS_${id}`,
    subjects: [`ts${id}.>`],
    maxMsgs: 100,
    maxBytes: 1_000_000,
    maxAgeSec: 3600,
    replicas: 1,
    duplicateWindowSec: 60,
    ...over,
  };
  made.push(s.name);
  return s;
}

describe("ensureStream", () => {
  it("creates the stream with the configured limits, then reports it unchanged", async () => {
    const s = spec();
    expect(await ensureStream(jsm, s)).toBe("created");
    const info = await jsm.streams.info(s.name);
    expect(info.config).toMatchObject({
      subjects: s.subjects,
      max_msgs: 100,
      max_bytes: 1_000_000,
      max_age: 3600e9,
      duplicate_window: 60e9,
    });
    expect(await ensureStream(jsm, s)).toBe("unchanged");
  });

  it("applies changed limits to an existing stream and keeps its messages", async () => {
    const s = spec();
    await ensureStream(jsm, s);
    await nc.request(`${s.subjects[0]?.replace(">", "x")}`, "m").catch(() => {});
    const before = (await jsm.streams.info(s.name)).state.messages;
    expect(await ensureStream(jsm, { ...s, maxMsgs: 500, maxAgeSec: 7200 })).toBe("updated");
    const info = await jsm.streams.info(s.name);
    expect(info.config.max_msgs).toBe(500);
    expect(info.config.max_age).toBe(7200e9);
    expect(info.state.messages).toBe(before);
  });

  it("reports an existing stream with other subjects clearly and leaves it untouched", async () => {
    const s = spec();
    await jsm.streams.add({ name: s.name, subjects: ["elsewhere.>"], storage: StorageType.Memory, max_msgs: 7 });
    made.push(s.name);
    await expect(ensureStream(jsm, s)).rejects.toThrow(StreamConflictError);
    await expect(ensureStream(jsm, s)).rejects.toThrow(/exists with subjects \[elsewhere\.>\].*left untouched/s);
    const info = await jsm.streams.info(s.name);
    expect(info.config.subjects).toEqual(["elsewhere.>"]);
    expect(info.config.max_msgs).toBe(7);
  });

  it("reports subjects that overlap another stream", async () => {
    const a = spec();
    await ensureStream(jsm, a);
    const b = spec({ subjects: a.subjects });
    await expect(ensureStream(jsm, b)).rejects.toThrow(/overlap/);
  });
});
