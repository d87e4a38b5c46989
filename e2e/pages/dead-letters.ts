import type { Locator, Page } from "@playwright/test";
import { ConsoleFrame } from "./frame";

/** Page object for `/dead-letters`. */
export class DeadLettersPage {
  readonly frame: ConsoleFrame;
  readonly heading: Locator;
  readonly rows: Locator;
  readonly total: Locator;
  readonly empty: Locator;
  readonly notice: Locator;
  readonly detail: Locator;
  readonly bulkDialog: Locator;
  readonly dryRunCount: Locator;
  readonly jobProgress: Locator;
  readonly textInput: Locator;
  readonly searchButton: Locator;

  constructor(readonly page: Page) {
    this.frame = new ConsoleFrame(page);
    this.heading = page.getByRole("heading", { level: 1 });
    this.rows = page.getByTestId("dead-letter-row");
    this.total = page.getByTestId("dead-letter-total");
    this.empty = page.getByTestId("dead-letters-empty");
    this.notice = page.getByTestId("dead-letter-notice");
    this.detail = page.getByTestId("dead-letter-detail");
    this.bulkDialog = page.getByTestId("bulk-dialog");
    this.dryRunCount = page.getByTestId("dry-run-count");
    this.jobProgress = page.getByTestId("job-progress");
    this.textInput = page.getByRole("searchbox", { name: "Text" });
    this.searchButton = page.getByRole("button", { name: "Search" });
  }

  async goto(params: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams(params).toString();
    await this.page.goto(`/dead-letters${q ? `?${q}` : ""}`);
  }

  row(eventId: string): Locator {
    return this.page.locator(`[data-testid="dead-letter-row"][data-event-id="${eventId}"]`);
  }

  action(id: string, action: "Inspect" | "Requeue" | "Discard"): Locator {
    return this.page.getByRole("button", { name: `${action} ${id}`, exact: true });
  }

  select(id: string): Locator {
    return this.page.getByRole("checkbox", { name: `Select dead letter ${id}` });
  }

  bulk(label: "Requeue selected" | "Discard selected" | "Requeue all matching" | "Discard all matching"): Locator {
    return this.page.getByRole("button", { name: label, exact: true });
  }

  /** The bulk dialog's confirm button ("Requeue 3", "Discard 1"). */
  confirm(action: "Requeue" | "Discard"): Locator {
    return this.bulkDialog.getByRole("button", { name: new RegExp(`^${action} \\d`) });
  }
}
