import type { Locator, Page } from "@playwright/test";

/** Page object for `/keys`. */
export class KeysPage {
  readonly heading: Locator;
  readonly newButton: Locator;
  readonly dialog: Locator;
  readonly createdKey: Locator;
  readonly revokeDialog: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.newButton = page.getByRole("button", { name: "New key" });
    this.dialog = page.getByTestId("key-dialog");
    this.createdKey = page.getByTestId("created-key-value");
    this.revokeDialog = page.getByRole("dialog", { name: "Revoke key?" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/keys");
  }

  field(label: "Name" | "Tenant" | "Types it may publish"): Locator {
    return this.dialog.getByLabel(label, { exact: true });
  }

  role(role: "admin" | "operator" | "publisher" | "subscriber"): Locator {
    return this.dialog.getByRole("checkbox", { name: new RegExp(`^${role}`) });
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="key-row"][data-name="${name}"]`);
  }
}
