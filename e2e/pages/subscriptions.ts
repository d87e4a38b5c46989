import type { Locator, Page } from "@playwright/test";
import { ConsoleFrame } from "./frame";

/** Page object for `/subscriptions`. */
export class SubscriptionsPage {
  readonly frame: ConsoleFrame;
  readonly heading: Locator;
  readonly newButton: Locator;
  readonly dialog: Locator;
  readonly deleteDialog: Locator;

  constructor(readonly page: Page) {
    this.frame = new ConsoleFrame(page);
    this.heading = page.getByRole("heading", { level: 1 });
    this.newButton = page.getByRole("button", { name: "New subscription" }).first();
    this.dialog = page.getByRole("dialog", { name: /subscription|Edit/ });
    this.deleteDialog = page.getByRole("dialog", { name: "Delete subscription?" });
  }

  async goto(params: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams(params).toString();
    await this.page.goto(`/subscriptions${q ? `?${q}` : ""}`);
  }

  field(label: string): Locator {
    return this.dialog.getByRole("textbox", { name: label, exact: true });
  }

  targetType(label: "HTTP push" | "WebSocket" | "Internal"): Locator {
    return this.dialog.getByRole("radio", { name: label });
  }

  get submit(): Locator {
    return this.dialog.getByRole("button", { name: /Create subscription|Save changes/ });
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="subscription-row"][data-name="${name}"]`);
  }

  stat(
    name: string,
    stat: "pending" | "ack-pending" | "redelivered" | "delivered" | "members" | "circuit" | "last-error",
  ): Locator {
    return this.row(name).getByTestId(`stat-${stat}`);
  }

  state(name: string): Locator {
    return this.row(name).getByTestId("subscription-state");
  }

  action(name: string, action: "Pause" | "Resume" | "Edit" | "Delete" | "Lag and reset"): Locator {
    return this.row(name).getByRole("button", { name: `${action} ${name}` });
  }

  get details(): Locator {
    return this.page.getByTestId("details-dialog");
  }
}
