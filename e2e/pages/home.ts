import type { Locator, Page } from "@playwright/test";

/** Page object for `/`. */
export class HomePage {
  readonly heading: Locator;
  readonly status: Locator;
  readonly storedEvents: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.status = page.getByTestId("health-status");
    this.storedEvents = page.getByTestId("stream-messages");
  }

  goto() {
    return this.page.goto("/");
  }

  dependency(name: "nats" | "redis"): Locator {
    return this.page.getByTestId(`dep-${name}`);
  }
}
