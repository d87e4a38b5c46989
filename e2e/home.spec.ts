import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { HomePage } from "./pages/home";

test("the home page shows the product and live health of NATS and Redis", async ({ page, request }) => {
  const home = new HomePage(page);
  await home.goto();
  await expect(page).toHaveTitle(/Anumate Event Bus/);
  await expect(home.heading).toHaveText("Anumate Event Bus");
  await expect(home.status).toHaveText("healthy");
  await expect(home.dependency("nats")).toHaveAttribute("data-ok", "true");
  await expect(home.dependency("redis")).toHaveAttribute("data-ok", "true");

  const before = Number((await home.storedEvents.textContent())?.replace(/\D/g, ""));
  const r = await request.post("/api/events", {
    headers: { "content-type": "application/cloudevents+json" },
    data: { specversion: "1.0", id: randomUUID(), source: "/e2e", type: "com.anumate.e2e.hello" },
  });
  expect(r.status()).toBe(202);
  // the panel refreshes itself
  await expect(home.storedEvents).toHaveText(String(before + 1), { timeout: 10_000 });
  await page.screenshot({ path: "e2e/artifacts/home.png", fullPage: true });
});
