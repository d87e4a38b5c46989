import { randomBytes, randomUUID } from "node:crypto";
import { type APIRequestContext, expect } from "@playwright/test";

/** A tenant id of its own for each test: tests share one server and one stream. */
export function uniqueTenant(prefix = "e2e"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export interface TestEvent {
  id?: string;
  type?: string;
  source?: string;
  tenantid?: string;
  subject?: string;
  data?: unknown;
  [ext: string]: unknown;
}

/** Publishes one event through the API (structured mode) and returns its id and seq. */
export async function publish(request: APIRequestContext, e: TestEvent): Promise<{ id: string; seq: number }> {
  const id = e.id ?? randomUUID();
  const r = await request.post("/api/events", {
    headers: { "content-type": "application/cloudevents+json" },
    data: { specversion: "1.0", source: "/e2e", type: "com.anumate.e2e.test", datacontenttype: "application/json", ...e, id },
  });
  expect(r.status(), await r.text()).toBe(202);
  const body = (await r.json()) as { seq: number };
  return { id, seq: body.seq };
}

/** Where every page's screenshot goes (look at them: the file viewer shows PNGs). */
export const shot = (name: string) => `e2e/artifacts/${name}.png`;
