import { expect, test } from "@playwright/test";
import { HomePage } from "./pages/home";
import { publish, shot, uniqueTenant } from "./support";

test.describe("dashboard metrics", () => {
  test("after publishing, the charts and lists show the tenant's traffic", async ({ page, request }) => {
    test.setTimeout(45_000);
    const tenant = uniqueTenant();
    const type = "com.anumate.e2e.dash";
    for (let i = 0; i < 5; i++) await publish(request, { tenantid: tenant, type, data: { i } });

    const home = new HomePage(page);
    await page.goto(`/?tenant=${tenant}`);
    await expect(page).toHaveTitle("Dashboard · Anumate Event Bus");
    // the health panel is still there
    await expect(home.status).toHaveText("healthy");
    // counts reach Redis shortly after the publish; the dashboard refreshes itself
    await expect(home.tile("published")).toHaveAttribute("data-total", "5", { timeout: 15_000 });
    await expect(home.ratesChart).toBeVisible();
    expect(Number(await home.ratesChart.getAttribute("data-points"))).toBeGreaterThan(10);
    await expect(home.ratesChart.locator(".recharts-line-curve").first()).toBeVisible();
    await expect(page.locator(`[data-testid="top-type-item"][data-key="${type}"]`)).toHaveAttribute("data-value", "5");
    await expect(home.streamUsage).toHaveCount(3);
    await expect(page.getByTestId("dead-letter-chart")).toBeVisible();
    // the console scrolls inside its frame: a tall window shows the whole dashboard
    await page.setViewportSize({ width: 1366, height: 1500 });
    await page.screenshot({ path: shot("dashboard") });
    await page.setViewportSize({ width: 1366, height: 820 });

    await home.window("Last 24 hours").click();
    await expect(home.window("Last 24 hours")).toHaveAttribute("aria-pressed", "true");
    await expect(home.tile("published")).toHaveAttribute("data-total", "5");
    await expect(home.ratesChart).toHaveAttribute("data-points", /^\d+$/);
    expect(Number(await home.ratesChart.getAttribute("data-points"))).toBeGreaterThan(100);
  });

  test("all tenants: the top tenants and the tenants page", async ({ page, request }) => {
    const tenant = uniqueTenant("dash");
    for (let i = 0; i < 3; i++) await publish(request, { tenantid: tenant });
    await page.goto("/");
    await expect(page.getByTestId("top-tenant")).toBeVisible();
    await page.setViewportSize({ width: 1366, height: 1500 });
    await page.screenshot({ path: shot("dashboard-all") });
    await page.setViewportSize({ width: 1366, height: 820 });

    await expect
      .poll(async () => {
        const top = (await (await request.get("/api/metrics/top?by=tenant&window=1h&limit=100")).json()) as {
          items: { key: string }[];
        };
        return top.items.some((i) => i.key === tenant);
      })
      .toBe(true);
    await page.goto("/tenants");
    await expect(page).toHaveTitle("Tenants · Anumate Event Bus");
    const row = page.locator(`[data-testid="tenant-row"][data-tenant="${tenant}"]`);
    await expect(row).toBeVisible({ timeout: 15_000 });
    await expect(row.getByTestId("tenant-published")).toHaveAttribute("data-count", "3");
    await expect(row.getByTestId("tenant-dead-letters")).toHaveAttribute("data-total", "0");
    await page.screenshot({ path: shot("tenants") });
  });
});
