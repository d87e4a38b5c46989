import type { Locator, Page } from "@playwright/test";
import { ConsoleFrame } from "./frame";

/** Page object for `/publish`. */
export class PublishPage {
  readonly frame: ConsoleFrame;
  readonly heading: Locator;
  readonly type: Locator;
  readonly source: Locator;
  readonly tenant: Locator;
  readonly subject: Locator;
  readonly correlationId: Locator;
  readonly data: Locator;
  readonly publishButton: Locator;
  readonly resendButton: Locator;
  readonly seq: Locator;
  readonly duplicate: Locator;
  readonly problems: Locator;

  constructor(readonly page: Page) {
    this.frame = new ConsoleFrame(page);
    this.heading = page.getByRole("heading", { level: 1 });
    this.type = page.getByRole("combobox", { name: "Event type" });
    this.source = page.getByRole("textbox", { name: "Source" });
    this.tenant = page.getByRole("textbox", { name: "Tenant", exact: true });
    this.subject = page.getByRole("textbox", { name: "Subject" });
    this.correlationId = page.getByRole("textbox", { name: "Correlation id" });
    this.data = page.getByRole("textbox", { name: "Data (JSON)" });
    this.publishButton = page.getByRole("button", { name: "Publish", exact: true });
    this.resendButton = page.getByRole("button", { name: "Send the same event again" });
    this.seq = page.getByTestId("publish-seq");
    this.duplicate = page.getByTestId("publish-duplicate");
    this.problems = page.getByTestId("publish-problem");
  }

  async goto(params: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams(params).toString();
    await this.page.goto(`/publish${q ? `?${q}` : ""}`);
  }

  /** Puts the type's example data back. */
  async getReady(): Promise<void> {
    await this.page.getByRole("button", { name: "Reset data to the example" }).click();
  }

  problem(field: string): Locator {
    return this.page.locator(`[data-testid="publish-problem"][data-field="${field}"]`);
  }
}
