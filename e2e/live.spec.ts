import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { LivePage } from "./pages/live";
import { publish, shot, uniqueTenant } from "./support";

test.describe("live tail", () => {
  test("an event published through the API shows within one second", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const live = new LivePage(page);
    await live.goto({ tenant });
    await expect(page).toHaveTitle("Live tail · Anumate Event Bus");
    await live.waitUntilLive();
    await expect(live.empty).toBeVisible();

    const id = randomUUID();
    // The browser notes when the row appears (Playwright's own polling would add up to 500 ms).
    await live.watchFor(id);
    const started = Date.now();
    await publish(request, { id, tenantid: tenant, type: "com.anumate.e2e.live", data: { hello: "live" } });
    await expect(live.row(id)).toBeVisible({ timeout: 1000 });
    expect((await live.seenAt(id)) - started).toBeLessThan(1000);
    await expect(live.row(id)).toContainText("com.anumate.e2e.live");
    await expect(live.row(id)).toContainText('{"hello":"live"}');
  });

  test("the tenant filter hides other tenants' events", async ({ page, request }) => {
    const mine = uniqueTenant("mine");
    const other = uniqueTenant("other");
    const live = new LivePage(page);
    await live.goto();
    await live.frame.setTenant(mine);
    await expect(page).toHaveURL(new RegExp(`[?&]tenant=${mine}`));
    await expect(live.frame.tenantButton).toHaveAttribute("data-tenant", mine);
    await live.waitUntilLive();

    // stream order: the other tenant's event is stored first, so it would have arrived before mine
    const theirs = await publish(request, { tenantid: other, type: "com.anumate.e2e.tenant" });
    const ours = await publish(request, { tenantid: mine, type: "com.anumate.e2e.tenant" });
    await expect(live.row(ours.id)).toBeVisible();
    await expect(live.row(theirs.id)).toHaveCount(0);
    await expect(live.rowsOfTenant(other)).toHaveCount(0);
    await expect(live.rows).toHaveCount(1);
    await expect(live.rows.first()).toHaveAttribute("data-tenant", mine);
  });

  test("pause and resume keep every event", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const live = new LivePage(page);
    await live.goto({ tenant });
    await live.waitUntilLive();
    const first = await publish(request, { tenantid: tenant, data: { n: 0 } });
    await expect(live.row(first.id)).toBeVisible();

    await live.pauseButton.click();
    await expect(live.status).toHaveText("Paused");
    const n = 10;
    const ids: string[] = [];
    for (let i = 1; i <= n; i++) ids.push((await publish(request, { tenantid: tenant, data: { n: i } })).id);
    await expect(live.pausedBanner).toHaveAttribute("data-pending", String(n));
    await expect(live.pausedBanner).toContainText(`${n} new events`);
    // the view stays as it was while paused
    await expect(live.rows).toHaveCount(1);

    await live.resumeButton.click();
    await expect(live.pausedBanner).toHaveCount(0);
    await expect(live.list).toHaveAttribute("data-count", String(n + 1));
    for (const id of ids) await expect(live.row(id)).toBeVisible();
    // in stream order
    const seqs = (await live.rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))))) as number[];
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await expect(live.rate).toContainText("events/s");
  });

  test("browser-side filters, the inspector and its copy actions", async ({ page, request, context, baseURL }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    const tenant = uniqueTenant();
    const live = new LivePage(page);
    await live.goto({ tenant });
    await live.waitUntilLive();
    const a = await publish(request, {
      tenantid: tenant,
      type: "com.anumate.e2e.inspect",
      subject: "orders/1",
      correlationid: "corr-a",
      data: { invoice: "INV-7", amount: 42 },
    });
    const b = await publish(request, {
      tenantid: tenant,
      type: "com.anumate.e2e.inspect",
      correlationid: "corr-b",
      data: { note: "x" },
    });
    await expect(live.rows).toHaveCount(2);

    await live.attributeInput.fill("correlationid=corr-a");
    await expect(live.rows).toHaveCount(1);
    await expect(live.row(a.id)).toBeVisible();
    await live.attributeInput.fill("correlationid");
    await expect(live.attributeInput).toHaveAccessibleDescription(/name=value/);
    await live.attributeInput.fill("");
    await live.textInput.fill("inv-7");
    await expect(live.rows).toHaveCount(1);
    await live.textInput.fill("");
    await expect(live.rows).toHaveCount(2);

    await live.row(a.id).click();
    await expect(live.inspector).toContainText("orders/1");
    await expect(live.inspector.getByTestId("inspector-seq")).toHaveText(String(a.seq));
    await expect(live.inspector).toContainText("correlationid");
    await expect(live.inspector.getByTestId("inspector-data")).toContainText('"invoice": "INV-7"');
    // stored time comes from GET /api/events/{seq}
    await expect(live.inspector).toContainText(/stored at\s*\d{4}-\d{2}-\d{2}/);

    await live.inspector.getByRole("button", { name: "Copy as JSON" }).click();
    await expect(live.inspector.getByRole("button", { name: "Copied" })).toBeVisible();
    const json = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    expect(json).toMatchObject({ id: a.id, tenantid: tenant, data: { invoice: "INV-7", amount: 42 } });

    await live.inspector.getByRole("button", { name: "Copy as curl" }).click();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toContain(`curl -i '${baseURL}/api/events'`);
    expect(curl).toContain("content-type: application/cloudevents+json");
    expect(curl).toContain('-H "authorization: Bearer $ANUMATE_API_KEY"');
    // the command republishes the same event: the bus recognises the duplicate
    const body = /--data-binary '(.*)'$/s.exec(curl)?.[1];
    expect(body).toBeDefined();
    const again = await request.post("/api/events", {
      headers: { "content-type": "application/cloudevents+json" },
      data: body?.replace(/'\\''/g, "'"),
    });
    expect(await again.json()).toMatchObject({ seq: a.seq, duplicate: true });

    // keyboard: arrow keys move the selection
    await live.row(a.id).focus();
    await page.keyboard.press("ArrowDown");
    await expect(live.row(b.id)).toHaveAttribute("aria-pressed", "true");
    await expect(live.inspector).toContainText("corr-b");
    await page.screenshot({ path: shot("live") });
  });

  test("a bad type pattern is refused before connecting", async ({ page }) => {
    const live = new LivePage(page);
    await live.goto({ tenant: uniqueTenant() });
    await live.typeInput.fill("com.anumate.>.x");
    await live.applyButton.click();
    await expect(live.typeInput).toHaveAccessibleDescription(/'>' may only be the last token/);
    await live.typeInput.fill("com.anumate.e2e.*");
    await live.applyButton.click();
    await expect(page).toHaveURL(/type=com\.anumate\.e2e\.\*/);
    await live.waitUntilLive();
  });
});
