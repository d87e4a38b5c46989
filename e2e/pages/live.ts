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

  /** Starts noting, in the page, the wall-clock time at which the row of `eventId` appears. */
  async watchFor(eventId: string): Promise<void> {
    await this.page.evaluate((id) => {
      const w = window as unknown as { __seenAt?: Record<string, Promise<number>> };
      w.__seenAt ??= {};
      w.__seenAt[id] = new Promise<number>((resolve) => {
        const there = () => document.querySelector(`[data-testid="live-row"][data-event-id="${id}"]`) !== null;
        const observer = new MutationObserver(() => {
          if (!there()) return;
          observer.disconnect();
          resolve(Date.now());
        });
        observer.observe(document.body, { childList: true, subtree: true });
      });
    }, eventId);
  }

  /** When the row of `eventId` appeared (`watchFor` must have been called before it could). */
  async seenAt(eventId: string): Promise<number> {
    const at = await this.page.evaluate(
      (id) => (window as unknown as { __seenAt?: Record<string, Promise<number>> }).__seenAt?.[id],
      eventId,
    );
    if (at === undefined) throw new Error(`watchFor("${eventId}") was not called on this page`);
    return at;
  }

  row(eventId: string): Locator {
    return this.page.locator(`[data-testid="live-row"][data-event-id="${eventId}"]`);
  }

  rowsOfTenant(tenant: string): Locator {
    return this.page.locator(`[data-testid="live-row"][data-tenant="${tenant}"]`);
  }
}
