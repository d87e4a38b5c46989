import type { Locator, Page } from "@playwright/test";
import { ConsoleFrame } from "./frame";

/** Page object for `/live`, the live tail. */
export class LivePage {
  readonly frame: ConsoleFrame;
  readonly heading: Locator;
  readonly status: Locator;
  readonly list: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly pauseButton: Locator;
  readonly resumeButton: Locator;
  readonly pausedBanner: Locator;
  readonly rate: Locator;
  readonly typeInput: Locator;
  readonly subjectInput: Locator;
  readonly applyButton: Locator;
  readonly attributeInput: Locator;
  readonly textInput: Locator;
  readonly inspector: Locator;

  constructor(readonly page: Page) {
    this.frame = new ConsoleFrame(page);
    this.heading = page.getByRole("heading", { level: 1 });
    this.status = page.getByTestId("stream-status");
    this.list = page.getByTestId("live-list");
    this.rows = page.getByTestId("live-row");
    this.empty = page.getByTestId("live-empty");
    this.pauseButton = page.getByRole("button", { name: "Pause", exact: true });
    this.resumeButton = page.getByTestId("paused-banner").getByRole("button", { name: "Resume" });
    this.pausedBanner = page.getByTestId("paused-banner");
    this.rate = page.getByTestId("live-rate");
    const filters = page.getByRole("form", { name: "Filters" });
    this.typeInput = filters.getByRole("textbox", { name: "Type pattern" });
    this.subjectInput = filters.getByRole("textbox", { name: "Subject" });
    this.applyButton = filters.getByRole("button", { name: "Apply" });
    this.attributeInput = filters.getByRole("textbox", { name: "Attribute equals" });
    this.textInput = filters.getByRole("searchbox", { name: "Text in data" });
    this.inspector = page.getByTestId("inspector");
  }

  async goto(params: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams(params).toString();
    await this.page.goto(`/live${q ? `?${q}` : ""}`);
  }

  /** Waits until the stream is open, so events published from now on are received. */
  async waitUntilLive(): Promise<void> {
    await this.status.and(this.page.locator('[data-state="open"]')).waitFor();
  }

  row(eventId: string): Locator {
    return this.page.locator(`[data-testid="live-row"][data-event-id="${eventId}"]`);
  }

  rowsOfTenant(tenant: string): Locator {
    return this.page.locator(`[data-testid="live-row"][data-tenant="${tenant}"]`);
  }
}
