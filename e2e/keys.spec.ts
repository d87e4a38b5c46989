import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { KeysPage } from "./pages/keys";
import { shot, uniqueTenant } from "./support";

test.describe("keys", () => {
  test("create a key (shown once, it works), then revoke it (it stops working)", async ({ page, playwright }) => {
    const tenant = uniqueTenant();
    const name = `e2e-key-${randomBytes(3).toString("hex")}`;
    const keys = new KeysPage(page);
    await keys.goto();
    await expect(page).toHaveTitle("Keys · Anumate Event Bus");

    await keys.newButton.click();
    // the API's rules, in the browser: a name and a role are needed
    await keys.dialog.getByRole("button", { name: "Create key" }).click();
    await expect(keys.field("Name")).toHaveAccessibleDescription(/must not be empty/);
    await expect(keys.dialog.getByTestId("error-roles")).toHaveText("must hold at least one role");

    await keys.field("Name").fill(name);
    await keys.field("Tenant").fill(tenant);
    await keys.role("publisher").check();
    await keys.dialog.getByRole("button", { name: "Create key" }).click();
    await expect(keys.createdKey).toHaveText(/^anm_/);
    await expect(keys.dialog).toContainText("shown only once");
    await expect(keys.dialog.getByRole("button", { name: "Copy key" })).toBeVisible();
    await page.screenshot({ path: shot("keys-created") });
    const secret = (await keys.createdKey.textContent()) ?? "";

    // the new key publishes to its tenant
    const api = await playwright.request.newContext({
      baseURL: process.env.E2E_BASE_URL,
      extraHTTPHeaders: { authorization: `Bearer ${secret}` },
    });
    const publishAs = () =>
      api.post("/api/events/publish?source=/e2e", { data: { event_type: "com.anumate.e2e.key", tenant_id: tenant } });
    expect((await publishAs()).status()).toBe(202);

    await keys.dialog.getByRole("button", { name: "I have stored it" }).click();
    const row = keys.row(name);
    await expect(row).toBeVisible();
    await expect(row).toContainText(tenant);
    await expect(row).toContainText("publisher");
    await expect(row).toContainText(secret.slice(0, 8));
    await expect(row.getByTestId("key-state")).toHaveText("active");
    // the secret is not on the page any more
    await expect(page.getByText(secret)).toHaveCount(0);
    await page.screenshot({ path: shot("keys") });

    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await expect(keys.revokeDialog).toContainText(name);
    await keys.revokeDialog.getByRole("button", { name: "Revoke" }).click();
    await expect(row.getByTestId("key-state")).toHaveText(/^revoked/);
    await expect.poll(async () => (await publishAs()).status()).toBe(401);
    await api.dispose();
  });
});
