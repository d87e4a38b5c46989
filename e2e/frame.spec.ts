import { expect, test } from "@playwright/test";
import { ConsoleFrame } from "./pages/frame";
import { publish, shot, uniqueTenant } from "./support";

const PAGES = [
  { label: "Dashboard", path: "/", title: "Dashboard · Anumate Event Bus", h1: "Anumate Event Bus" },
  { label: "Live tail", path: "/live", title: "Live tail · Anumate Event Bus", h1: "Live tail" },
  { label: "Explorer", path: "/explorer", title: "Explorer · Anumate Event Bus", h1: "Explorer" },
  { label: "Subscriptions", path: "/subscriptions", title: "Subscriptions · Anumate Event Bus", h1: "Subscriptions" },
  { label: "Dead letters", path: "/dead-letters", title: "Dead letters · Anumate Event Bus", h1: "Dead letters" },
  { label: "Tenants", path: "/tenants", title: "Tenants · Anumate Event Bus", h1: "Tenants" },
  { label: "Audit", path: "/audit", title: "Audit · Anumate Event Bus", h1: "Audit" },
  { label: "Keys", path: "/keys", title: "Keys · Anumate Event Bus", h1: "Keys" },
  { label: "Publish", path: "/publish", title: "Publish · Anumate Event Bus", h1: "Publish" },
];

test.describe("console frame", () => {
  test("the sidebar reaches every page, each with its own title", async ({ page }) => {
    const frame = new ConsoleFrame(page);
    await page.goto("/");
    for (const p of PAGES) {
      await frame.navLink(p.label).click();
      await expect(page).toHaveURL(new RegExp(`${p.path === "/" ? "/$" : `${p.path}$`}`));
      await expect(page).toHaveTitle(p.title);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(p.h1);
      await expect(frame.navLink(p.label)).toHaveAttribute("aria-current", "page");
      // every page is built: none says "coming with"
      await expect(page.getByTestId("coming-soon")).toHaveCount(0);
    }
    // who is signed in: the suite's admin key
    await expect(page.getByTestId("identity-caller")).toHaveText("admin");
    await expect(frame.healthBadge("nats")).toHaveAttribute("data-state", "connected");
    await expect(frame.healthBadge("redis")).toHaveAttribute("data-state", "connected");
  });

  test("the dashboard charts the events stored per second", async ({ page, request }) => {
    test.setTimeout(45_000);
    await page.goto("/");
    const chart = page.getByRole("img", { name: /^Events stored per second/ });
    const tenant = uniqueTenant();
    // health is checked every 3 s: publish until the chart has points
    await expect
      .poll(
        async () => {
          for (let i = 0; i < 5; i++) await publish(request, { tenantid: tenant });
          return chart.count();
        },
        { timeout: 30_000, intervals: [1000] },
      )
      .toBe(1);
    await expect(page.getByTestId("throughput-now")).toHaveText(/^\d+(\.\d)?$/);
    await page.screenshot({ path: shot("dashboard-throughput") });
  });

  test("the tenant switcher sets the tenant in the URL and remembers it", async ({ page }) => {
    const tenant = uniqueTenant("acme");
    const frame = new ConsoleFrame(page);
    await page.goto("/explorer");
    await expect(frame.tenantButton).toHaveText(/All tenants/);

    // a tenant id must follow the bus's rule
    await frame.tenantButton.click();
    await frame.tenantInput.fill("no spaces");
    await frame.tenantApply.click();
    await expect(frame.tenantInput).toHaveAccessibleDescription(/must be 1-64 characters/);
    await page.keyboard.press("Escape");
    await expect(frame.tenantButton).toBeFocused();

    await frame.setTenant(tenant);
    await expect(page).toHaveURL(new RegExp(`/explorer\\?tenant=${tenant}$`));
    await expect(frame.tenantButton).toHaveText(new RegExp(tenant));
    expect(await page.evaluate(() => localStorage.getItem("anumate.tenant"))).toBe(tenant);

    // links keep it, and a page opened without it gets it back from storage
    await frame.navLink("Live tail").click();
    await expect(page).toHaveURL(new RegExp(`/live\\?tenant=${tenant}$`));
    await page.goto("/publish");
    await expect(page).toHaveURL(new RegExp(`/publish\\?tenant=${tenant}$`));
    await expect(page.getByRole("textbox", { name: "Tenant", exact: true })).toHaveValue(tenant);

    // all tenants, then back through the recent list
    await frame.chooseAllTenants();
    await expect(page).toHaveURL(/\/publish$/);
    await expect(frame.tenantButton).toHaveText(/All tenants/);
    await frame.tenantButton.click();
    await frame.recentTenant(tenant).click();
    await expect(page).toHaveURL(new RegExp(`tenant=${tenant}`));
  });

  test("the theme toggles, persists and applies before the first paint", async ({ page }) => {
    const frame = new ConsoleFrame(page);
    await page.goto("/");
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    await frame.themeToggle.click();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await expect(frame.themeToggle).toHaveAccessibleName("Switch to light theme");

    // on the next load the class is there in the first frame (no light flash)
    await page.addInitScript(() => {
      requestAnimationFrame(() => {
        (window as unknown as { firstFrameDark: boolean }).firstFrameDark = document.documentElement.classList.contains("dark");
      });
    });
    await page.reload();
    await expect.poll(() => page.evaluate(() => (window as unknown as { firstFrameDark?: boolean }).firstFrameDark)).toBe(true);
    await expect(page.getByTestId("health-status")).toHaveText("healthy");
    await page.screenshot({ path: shot("home-dark") });
    await frame.themeToggle.click();
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    expect(await page.evaluate(() => localStorage.getItem("anumate.theme"))).toBe("light");
  });

  test("keyboard: a skip link first, then visible focus through the frame", async ({ page }) => {
    const frame = new ConsoleFrame(page);
    await page.goto("/subscriptions");
    await page.keyboard.press("Tab");
    await expect(frame.skipLink).toBeFocused();
    await expect(frame.skipLink).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(frame.main).toBeFocused();
    // the next stop after main is the page's first control
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "New subscription" }).first()).toBeFocused();
    // the focus ring is drawn
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).toBe("solid");
  });
});
