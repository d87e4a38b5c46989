import type { Locator, Page } from "@playwright/test";

/** Page object for `/sign-in`. */
export class SignInPage {
  readonly heading: Locator;
  readonly key: Locator;
  readonly submit: Locator;
  readonly error: Locator;
  readonly reason: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.key = page.getByLabel("API key");
    this.submit = page.getByRole("button", { name: "Sign in" });
    this.error = page.getByTestId("sign-in-error");
    this.reason = page.getByTestId("sign-in-reason");
  }

  async signIn(key: string): Promise<void> {
    await this.key.fill(key);
    await this.submit.click();
  }
}
