import type { Locator, Page } from "@playwright/test";
import { ConsoleFrame } from "./frame";

/** Page object for `/explorer`, the history. */
export class ExplorerPage {
  readonly frame: ConsoleFrame;
  readonly heading: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly loadMore: Locator;
  readonly endOfHistory: Locator;
  readonly inspector: Locator;
  readonly inspectorData: Locator;
  readonly inspectorSeq: Locator;
  readonly replayButton: Locator;
  readonly typeInput: Locator;
  readonly searchButton: Locator;
  readonly attributeInput: Locator;
  readonly textInput: Locator;

  constructor(readonly page: Page) {
    this.frame = new ConsoleFrame(page);
    this.heading = page.getByRole("heading", { level: 1 });
    this.rows = page.getByTestId("explorer-row");
    this.empty = page.getByTestId("explorer-empty");
    this.loadMore = page.getByRole("button", { name: "Load more" });
    this.endOfHistory = page.getByText("End of history");
    this.inspector = page.getByTestId("inspector");
    this.inspectorData = page.getByTestId("inspector-data");
    this.inspectorSeq = page.getByTestId("inspector-seq");
    this.replayButton = page.getByRole("button", { name: "Replay to…" });
    this.typeInput = page.getByRole("textbox", { name: "Type pattern" });
    this.searchButton = page.getByRole("button", { name: "Search" });
    this.attributeInput = page.getByRole("textbox", { name: "Attribute equals" });
    this.textInput = page.getByRole("searchbox", { name: "Text in data" });
  }

  async goto(params: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams(params).toString();
    await this.page.goto(`/explorer${q ? `?${q}` : ""}`);
  }

  get replayDialog(): Locator {
    return this.page.getByTestId("replay-dialog");
  }

  get replayTarget(): Locator {
    return this.replayDialog.getByLabel("Target");
  }

  get replayDryRun(): Locator {
    return this.page.getByTestId("replay-dry-run-count");
  }

  get replayStart(): Locator {
    return this.replayDialog.getByRole("button", { name: /^Replay \d/ });
  }

  get replayProgress(): Locator {
    return this.page.getByTestId("replay-progress");
  }

  /** The checkbox that selects an event for "Replay to…". */
  select(seq: number): Locator {
    return this.page.getByRole("checkbox", { name: `Select event ${seq}` });
  }

  get processingStatus(): Locator {
    return this.page.getByTestId("processing-status");
  }

  row(eventId: string): Locator {
    return this.page.locator(`[data-testid="explorer-row"][data-event-id="${eventId}"]`);
  }

  /** Opens an event in the inspector (the type in its row is the button). */
  async open(eventId: string): Promise<void> {
    await this.row(eventId).getByRole("button").click();
  }
}
