import type { Locator, Page } from "@playwright/test";

/** Page object for `/`. */
export class HomePage {
  readonly heading: Locator;
  readonly status: Locator;
  readonly storedEvents: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.status = page.getByTestId("health-status");
    this.storedEvents = page.getByTestId("stream-messages");
  }

  goto() {
    return this.page.goto("/");
  }

  /** The dashboard's metrics (docs/api.md "Metrics"). */
  tile(metric: "published" | "delivered" | "failed" | "deadLettered"): Locator {
    return this.page.getByTestId(`tile-${metric}`);
  }

  get ratesChart(): Locator {
    return this.page.getByTestId("rates-chart");
  }

  get topTypes(): Locator {
    return this.page.getByTestId("top-type-item");
  }

  get streamUsage(): Locator {
    return this.page.getByTestId("usage");
  }

  window(label: "Last 15 minutes" | "Last 24 hours"): Locator {
    return this.page.getByRole("button", { name: label });
  }

  dependency(name: "nats" | "redis"): Locator {
    return this.page.getByTestId(`dep-${name}`);
  }
}
