import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import type { SubscriptionDto } from "../../lib/contracts/subscriptions";
import type { Config } from "../config";
import { cleanup, startTestApp, type TestApp, type TestAppOptions, testConfig } from "./fixtures";
import type { apiClient } from "./http";

/**
 * A test app for the file: started before its tests, stopped and its streams and keys removed after
 * them. The object is filled in by `beforeAll`, so tests (not the file's top level) read it.
 */
export function withTestApp(config: () => Config = () => testConfig(), opts: TestAppOptions = {}): TestApp {
  const app = {} as TestApp;
  let started = false;
  beforeAll(async () => {
    Object.assign(app, await startTestApp(config(), opts));
    started = true;
  });
  afterAll(async () => {
    if (!started) return;
    await app.stop();
    await cleanup(app.config);
  });
  return app;
}

/** `POST /api/subscriptions` with a fresh name and `def`, expected to answer 201. */
export async function createSubscription(
  api: ReturnType<typeof apiClient>,
  def: Record<string, unknown>,
): Promise<SubscriptionDto> {
  const r = await api<SubscriptionDto>("POST", "/api/subscriptions", { name: `s-${randomUUID().slice(0, 8)}`, ...def });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
