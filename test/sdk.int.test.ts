import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCatalogEntry } from "../lib/catalog";
import type { CloudEvent } from "../server/core/cloudevents/event";
import { EventBusService } from "../server/sdk/event-bus";
import { EventPublisherFactory, EventSubscriberFactory } from "../server/sdk/factories";
import { cleanup, startTestApp, type TestApp } from "../server/testing/fixtures";
import { until } from "../server/testing/http";

let app: TestApp;
let bus: EventBusService;

beforeAll(async () => {
  app = await startTestApp();
  bus = new EventBusService({ container: app.container });
  await bus.start();
});
afterAll(async () => {
  await bus?.stop();
  await app?.stop();
  if (app) await cleanup(app.config);
});

describe("EventBusService (in-process API)", () => {
  it("publishEvent validates; subscribe / unsubscribe attach handlers to a durable subscription by name", async () => {
    await expect(bus.publishEvent({ specversion: "1.0", id: "x", source: "/s" })).rejects.toMatchObject({ code: "VALIDATION" });
    const got: string[] = [];
    const id = await bus.subscribe(
      { types: ["com.anumate.sdk.ping"], startAt: { type: "new" } },
      (e) => void got.push(e.id),
      "sdk-ping",
    );
    const again = await bus.subscribe({ types: ["com.anumate.sdk.ping"] }, (e) => void got.push(`second:${e.id}`), "sdk-ping");
    const r = await bus.publishEvent({ specversion: "1.0", id: "p1", source: "/s", type: "com.anumate.sdk.ping" });
    expect(r).toMatchObject({ id: "p1", duplicate: false });
    await until(() => got.length === 1);
    expect(got[0]).toMatch(/p1$/); // one member of the queue group got it
    expect(bus.unsubscribe(id)).toBe(true);
    expect(bus.unsubscribe(id)).toBe(false);
    expect(bus.unsubscribe(again)).toBe(true);
  });
});

describe("EventPublisherFactory / EventSubscriberFactory", () => {
  it("publishes typed, validated catalog events and delivers them to the services that listen", async () => {
    const publishers = new EventPublisherFactory(bus);
    const subscribers = new EventSubscriberFactory(bus);
    const seen: { capsuleId: string; data: unknown; event: CloudEvent }[] = [];
    const policy = subscribers
      .forService("policy", { startAt: { type: "new" } })
      .on("com.anumate.capsule.created", (data, event) => {
        seen.push({ capsuleId: data.capsuleId, data, event });
      });
    await policy.start();

    const example = getCatalogEntry("com.anumate.capsule.created").example;
    const r = await publishers.capsuleRegistry().publishCapsuleCreated(example, { tenantId: "acme", correlationId: "corr-9" });
    expect(r.tenant).toBe("acme");
    await until(() => seen.length === 1);
    expect(seen[0]?.capsuleId).toBe(example.capsuleId);
    expect(seen[0]?.event).toMatchObject({
      source: "/services/capsule-registry",
      type: "com.anumate.capsule.created",
      extensions: { tenantid: "acme", correlationid: "corr-9" },
    });

    // the call as the delivery issue writes it: ({capsuleId, capsuleName, version, author}, context)
    const author = { kind: "user" as const, id: "usr_7", name: "Ada" };
    await publishers
      .capsuleRegistry()
      .publishCapsuleCreated({ capsuleId: "cap_7", capsuleName: "payroll", version: "0.1.0", author }, { tenantId: "acme" });
    await until(() => seen.length === 2);
    expect(seen[1]?.capsuleId).toBe("cap_7");
    expect(seen[1]?.data).toEqual({ capsuleId: "cap_7", capsuleName: "payroll", version: "0.1.0", author });

    // bad data names the field and is not published
    await expect(
      publishers.capsuleRegistry().publishCapsuleCreated({ ...example, capsuleId: "" } as never),
    ).rejects.toMatchObject({
      code: "VALIDATION",
      details: expect.arrayContaining([expect.objectContaining({ field: "data.capsuleId" })]),
    });
    policy.stop();
  });
});
