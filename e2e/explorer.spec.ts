import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { ExplorerPage } from "./pages/explorer";
import { publish, shot, uniqueTenant } from "./support";

test.describe("explorer", () => {
  test("lists a published event and inspects it", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const marker = randomUUID();
    const e = await publish(request, {
      tenantid: tenant,
      type: "com.anumate.e2e.explore",
      subject: "capsules/cap_1",
      data: { marker, nested: { list: [1, 2, 3] } },
    });
    const f = await publish(request, { tenantid: tenant, type: "com.anumate.e2e.explore", data: { other: true } });
    const ex = new ExplorerPage(page);
    await ex.goto({ tenant });
    await expect(page).toHaveTitle("Explorer · Anumate Event Bus");
    await expect(ex.row(e.id)).toBeVisible();
    await expect(ex.row(e.id)).toHaveAttribute("data-seq", String(e.seq));
    await expect(ex.rows).toHaveCount(2);

    // the browser-side filters, as in the live tail
    await ex.attributeInput.fill("subject=capsules/cap_1");
    await expect(ex.rows).toHaveCount(1);
    await expect(ex.row(e.id)).toBeVisible();
    await ex.attributeInput.fill("");
    await ex.textInput.fill('"other":true');
    await expect(ex.rows).toHaveCount(1);
    await expect(ex.row(f.id)).toBeVisible();
    await ex.textInput.fill("");
    await expect(ex.rows).toHaveCount(2);

    await ex.open(e.id);
    await expect(ex.inspectorSeq).toHaveText(String(e.seq));
    await expect(ex.inspectorData).toContainText(`"marker": "${marker}"`);
    await expect(ex.inspector).toContainText("capsules/cap_1");
    await expect(ex.inspector).toContainText(tenant);
    // the event's processing status: no subscription has seen it
    await expect(ex.processingStatus).toHaveAttribute("data-status", "published");
    await expect(ex.replayButton).toBeEnabled();
    await page.screenshot({ path: shot("explorer") });
  });

  test("filters by type and pages with Load more", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const kept: string[] = [];
    for (let i = 0; i < 3; i++) kept.push((await publish(request, { tenantid: tenant, type: "com.anumate.e2e.page.kept" })).id);
    const other = await publish(request, { tenantid: tenant, type: "com.anumate.e2e.other" });

    const ex = new ExplorerPage(page);
    await ex.goto({ tenant, limit: "2" });
    await expect(ex.rows).toHaveCount(2);
    await ex.loadMore.click();
    await expect(ex.rows).toHaveCount(4);
    // the server learns it is at the end by reading past it: one more (empty) page
    await ex.loadMore.click();
    await expect(ex.endOfHistory).toBeVisible();
    await expect(ex.rows).toHaveCount(4);

    await ex.typeInput.fill("com.anumate.e2e.page.*");
    await ex.searchButton.click();
    await expect(page).toHaveURL(/type=com\.anumate\.e2e\.page\.\*/);
    await expect(ex.rows).toHaveCount(2);
    await ex.loadMore.click();
    await expect(ex.rows).toHaveCount(3);
    for (const id of kept) await expect(ex.row(id)).toBeVisible();
    await expect(ex.row(other.id)).toHaveCount(0);
  });

  test("an empty result is an empty state, an error is an error", async ({ page }) => {
    const ex = new ExplorerPage(page);
    await ex.goto({ tenant: uniqueTenant() });
    await expect(ex.empty).toBeVisible();

    // an API failure is shown as the failure (by its code), never as "no events"
    await page.route("**/api/events?*", (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "UNAVAILABLE", message: "NATS is not connected" } }),
      }),
    );
    await ex.goto({ tenant: uniqueTenant() });
    const notice = page.getByTestId("error-notice");
    await expect(notice).toHaveAttribute("data-code", "UNAVAILABLE");
    await expect(notice).toContainText("The bus is unavailable");
    await expect(notice).toContainText("NATS is not connected");
    await expect(ex.empty).toHaveCount(0);

    // a filter from the URL that breaks a rule is named on its field
    await page.unroute("**/api/events?*");
    await ex.goto({ tenant: uniqueTenant(), fromSeq: "abc" });
    await expect(page.getByRole("textbox", { name: "From seq" })).toHaveAccessibleDescription(/whole number/);
  });
});
