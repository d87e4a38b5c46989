import { type ConsumerConfig, JetStreamApiError, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import type { Subscription } from "../../core/delivery/ports";
import { type SubscriptionOverrides, testSubscription } from "../../testing/subscription";
import { consumerFilters, createConsumerAdmin } from "./consumers";

// How a subscription's consumer is configured on nats-server 2.9 (one filter subject) and on 2.10+
// (several), against a recording stand-in for the JetStream manager. The shared test server is 2.9,
// so the 2.10 path is checked here; the 2.9 path also runs against the real server in test/.

const sub = (types: string[] | undefined, extra: SubscriptionOverrides = {}): Subscription =>
  testSubscription({ id: "sub_1", tenant: "acme", ...(types ? { types } : {}), ...extra });

function recorder(existing?: Partial<ConsumerConfig>) {
  const calls: { op: string; stream: string; cfg?: Partial<ConsumerConfig>; name?: string }[] = [];
  const jsm = {
    consumers: {
      info: async (stream: string) => {
        if (stream === "S" && existing) return { config: existing, ack_floor: { stream_seq: 41 } };
        throw new JetStreamApiError({ code: 404, err_code: 10014, description: "consumer not found" });
      },
      add: async (stream: string, cfg: Partial<ConsumerConfig>) => {
        calls.push({ op: "add", stream, cfg });
      },
      update: async (stream: string, name: string, cfg: Partial<ConsumerConfig>) => {
        calls.push({ op: "update", stream, name, cfg });
      },
      delete: async (stream: string, name: string) => {
        calls.push({ op: "delete", stream, name });
      },
    },
  } as unknown as JetStreamManager;
  return { jsm, calls };
}

function admin(jsm: JetStreamManager, multiFilter: boolean) {
  return createConsumerAdmin({
    nc: {} as NatsConnection,
    js: {} as JetStreamClient,
    jsm,
    stream: "S",
    redeliveryStream: "S_RD",
    subjectPrefix: "ev",
    defaultTenant: "default",
    multiFilter,
    log: () => {},
  });
}

describe("consumerFilters", () => {
  it("is the tenant's subtree without types, one subject per type on 2.10+, the subtree for several on 2.9", () => {
    expect(consumerFilters(sub(undefined), "ev", true)).toEqual(["ev.acme.>"]);
    expect(consumerFilters(sub(["a.b"]), "ev", false)).toEqual(["ev.acme.a.b"]);
    expect(consumerFilters(sub(["a.b", "c.*"]), "ev", true)).toEqual(["ev.acme.a.b", "ev.acme.c.*"]);
    expect(consumerFilters(sub(["a.b", "c.*"]), "ev", false)).toEqual(["ev.acme.>"]);
    expect(consumerFilters(sub(["a.b"], { tenant: undefined }), "ev", true)).toEqual(["ev.*.a.b"]);
  });
});

describe("ensure", () => {
  it("creates a consumer with several filter subjects on 2.10+", async () => {
    const r = recorder();
    await admin(r.jsm, true).ensure(sub(["a.b", "c.*"]));
    const add = r.calls.find((c) => c.op === "add" && c.stream === "S");
    expect(add?.cfg).toMatchObject({ durable_name: "sub_1", filter_subjects: ["ev.acme.a.b", "ev.acme.c.*"] });
    expect(add?.cfg?.filter_subject).toBeUndefined();
  });

  it("changes the filters of an existing consumer in place on 2.10+", async () => {
    const r = recorder({ filter_subjects: ["ev.acme.a.b", "ev.acme.c.*"] });
    await admin(r.jsm, true).ensure(sub(["a.b", "d.>"]));
    expect(r.calls.filter((c) => c.stream === "S").map((c) => c.op)).toEqual(["update"]);
    expect(r.calls.find((c) => c.op === "update" && c.stream === "S")?.cfg?.filter_subjects).toEqual([
      "ev.acme.a.b",
      "ev.acme.d.>",
    ]);
  });

  it("on 2.9 uses one subject, and recreates the consumer where it stood when its filter changes", async () => {
    const r = recorder({ filter_subject: "ev.acme.a.b" });
    await admin(r.jsm, false).ensure(sub(["a.b", "c.*"]));
    const main = r.calls.filter((c) => c.stream === "S");
    expect(main.map((c) => c.op)).toEqual(["delete", "add"]);
    expect(main[1]?.cfg).toMatchObject({ filter_subject: "ev.acme.>", deliver_policy: "by_start_sequence", opt_start_seq: 42 });
    expect(main[1]?.cfg?.filter_subjects).toBeUndefined();
  });

  it("on 2.9 only updates the tunables when the filter is unchanged", async () => {
    const r = recorder({ filter_subject: "ev.acme.a.b" });
    await admin(r.jsm, false).ensure(sub(["a.b"], { maxInFlight: 7 }));
    const main = r.calls.filter((c) => c.stream === "S");
    expect(main.map((c) => c.op)).toEqual(["update"]);
    expect(main[0]?.cfg).toMatchObject({ max_ack_pending: 7 });
    expect(main[0]?.cfg?.filter_subject).toBeUndefined();
  });
});
