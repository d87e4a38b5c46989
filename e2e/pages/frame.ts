import type { Locator, Page } from "@playwright/test";

/** The console frame around every page: sidebar, tenant switcher, health badge, theme toggle. */
export class ConsoleFrame {
  readonly nav: Locator;
  readonly tenantButton: Locator;
  readonly themeToggle: Locator;
  readonly skipLink: Locator;
  readonly main: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole("navigation", { name: "Console" });
    this.tenantButton = page.getByTestId("tenant-switcher");
    this.themeToggle = page.getByTestId("theme-toggle");
    this.skipLink = page.getByRole("link", { name: "Skip to content" });
    this.main = page.locator("main#main");
  }

  navLink(label: string): Locator {
    return this.nav.getByRole("link", { name: label });
  }

  healthBadge(name: "nats" | "redis"): Locator {
    return this.page.getByTestId(`badge-${name}`);
  }

  /** The switcher's panel (open after a click on the tenant button). */
  get tenantPanel(): Locator {
    return this.page.getByRole("region", { name: "Choose the tenant" });
  }

  get tenantInput(): Locator {
    return this.tenantPanel.getByRole("textbox", { name: "Tenant id" });
  }

  get tenantApply(): Locator {
    return this.tenantPanel.getByRole("button", { name: "Apply" });
  }

  /** Types a tenant into the switcher and applies it. */
  async setTenant(tenant: string): Promise<void> {
    await this.tenantButton.click();
    await this.tenantInput.fill(tenant);
    await this.tenantApply.click();
  }

  async chooseAllTenants(): Promise<void> {
    await this.tenantButton.click();
    await this.tenantPanel.getByRole("button", { name: "All tenants" }).click();
  }

  recentTenant(tenant: string): Locator {
    return this.tenantPanel.getByRole("button", { name: tenant, exact: true });
  }
}
