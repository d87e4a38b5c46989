import type { Locator, Page } from "@playwright/test";

/** Page object for `/audit`. */
export class AuditPage {
  readonly heading: Locator;
  readonly rows: Locator;
  readonly action: Locator;
  readonly actor: Locator;
  readonly search: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.rows = page.getByTestId("audit-row");
    this.action = page.getByRole("combobox", { name: "Action" });
    this.actor = page.getByRole("textbox", { name: "Actor" });
    this.search = page.getByRole("button", { name: "Search" });
  }

  async goto(params: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams(params).toString();
    await this.page.goto(`/audit${q ? `?${q}` : ""}`);
  }

  row(action: string, target: string): Locator {
    return this.page.locator(`[data-testid="audit-row"][data-action="${action}"][data-target="${target}"]`);
  }
}
