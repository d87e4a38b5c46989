import { expect, test } from "@playwright/test";
import { ConsoleFrame } from "./pages/frame";
import { SignInPage } from "./pages/sign-in";
import { adminKey, shot, uniqueTenant } from "./support";

// This file's browser contexts do NOT send the suite's admin key header: the console has to sign in.
test.use({ extraHTTPHeaders: {} });

test.describe("sign-in", () => {
  test("a page asks for sign-in, a wrong key is refused, the key signs in and back, sign-out ends it", async ({ page }) => {
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    // nobody is signed in: not even through a header
    const before = await (await page.request.get("/api/session")).json();
    expect(before).toMatchObject({ authenticated: false, authDisabled: false });

    const tenant = uniqueTenant();
    await page.goto(`/dead-letters?tenant=${tenant}`);
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fdead-letters%3Ftenant%3De2e-[0-9a-f]+&reason=expired$/);
    await expect(page).toHaveTitle("Sign in · Anumate Event Bus");
    const signIn = new SignInPage(page);
    await expect(signIn.reason).toContainText("sign in again");

    await signIn.signIn("anm_nope_wrong");
    await expect(signIn.error).toHaveAttribute("data-code", "UNAUTHENTICATED");
    await expect(signIn.error).toContainText("Sign-in required");
    await page.screenshot({ path: shot("sign-in") });

    await signIn.signIn(adminKey());
    // back where the user was
    await expect(page).toHaveURL(new RegExp(`/dead-letters\\?tenant=${tenant}$`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dead letters");
    await expect(page.getByTestId("dead-letter-total")).toHaveAttribute("data-total", "0");
    // who is signed in, in the frame
    await expect(page.getByTestId("identity-caller")).toHaveText("admin");
    await expect(page.getByTestId("identity-scope")).toHaveText("all tenants");
    await expect(page.getByTestId("identity-roles")).toHaveText("admin");
    const cookie = (await page.context().cookies()).find((c) => c.name === "anumate_session");
    expect(cookie?.httpOnly).toBe(true);
    // the key itself is kept nowhere in the page's storage
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(adminKey());

    // the cookie works for mutations from the console's own origin too
    const frame = new ConsoleFrame(page);
    await frame.navLink("Keys").click();
    await expect(page.getByTestId("keys-table").or(page.getByTestId("keys-empty"))).toBeVisible();

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in\?reason=signed-out$/);
    await expect(signIn.reason).toHaveText("You are signed out.");
    expect((await (await page.request.get("/api/session")).json()).authenticated).toBe(false);
    // and every page asks again
    await page.goto("/subscriptions");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fsubscriptions/);
    // the redirects happen after hydration: no mismatch, no error
    expect(pageErrors).toEqual([]);
  });

  test("a read answered UNAUTHENTICATED (session gone) sends the user to sign in", async ({ page }) => {
    await page.goto("/sign-in");
    await new SignInPage(page).signIn(adminKey());
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId("identity-caller")).toHaveText("admin");
    // the session ends behind the page's back (expired, or signed out in another tab)
    await page.context().clearCookies();
    await page.goto("/explorer");
    await expect(page).toHaveURL(/\/sign-in\?next=%2Fexplorer/);
  });

  test("with auth switched off every page says so", async ({ page }) => {
    await page.route("**/api/session", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ authenticated: true, authDisabled: true, tenants: "*", roles: ["admin"] }),
      }),
    );
    for (const path of ["/", "/live", "/sign-in"]) {
      await page.goto(path);
      await expect(page.getByTestId("auth-disabled-banner"), path).toHaveText(
        "Auth is switched off (AUTH_DISABLED) — development only",
      );
    }
    await page.goto("/audit");
    await expect(page.getByTestId("identity-caller")).toHaveText("anyone (auth off)");
    await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
  });
});
