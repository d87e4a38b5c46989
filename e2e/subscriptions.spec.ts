import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { SubscriptionsPage } from "./pages/subscriptions";
import { createPushSubscription, type PushTarget, shot, startPushTarget, uniqueTenant } from "./support";

let target: PushTarget | undefined;
test.afterEach(async () => {
  await target?.close();
  target = undefined;
});

test.describe("subscriptions", () => {
  test("create a push subscription, see its stats, pause, resume, edit and delete it", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const name = `e2e-hook-${randomBytes(3).toString("hex")}`;
    const subs = new SubscriptionsPage(page);
    await subs.goto({ tenant });
    await expect(page).toHaveTitle("Subscriptions · Anumate Event Bus");

    await subs.newButton.click();
    await expect(subs.dialog).toBeVisible();
    await expect(subs.field("Tenant")).toHaveValue(tenant);
    await subs.field("Name").fill(name);
    await subs.dialog.getByRole("textbox", { name: "Event types" }).fill("com.anumate.capsule.>\ncom.anumate.policy.*");
    await expect(subs.targetType("HTTP push")).toBeChecked();
    // an invalid URL is named on its field (the shared zod schema, in the browser)
    await subs.field("URL").fill("not a url");
    await subs.field("Jitter (0–1)").fill("2");
    await subs.submit.click();
    await expect(subs.field("URL")).toHaveAccessibleDescription(/must be an http\(s\) URL/);
    await expect(subs.field("URL")).toHaveAttribute("aria-invalid", "true");
    await expect(subs.field("Jitter (0–1)")).toHaveAccessibleDescription(/must be 0 to 1/);
    await page.screenshot({ path: shot("subscription-form-errors") });

    await subs.field("URL").fill("http://127.0.0.1:9/hook");
    await subs.field("Jitter (0–1)").fill("");
    await subs.submit.click();
    await expect(subs.dialog).toBeHidden();

    const row = subs.row(name);
    await expect(row).toBeVisible();
    await expect(row).toContainText("http://127.0.0.1:9/hook");
    await expect(row).toContainText("com.anumate.capsule.>, com.anumate.policy.*");
    await expect(subs.state(name)).toHaveText("active");
    await expect(subs.stat(name, "pending")).toHaveText("0");
    await expect(subs.stat(name, "ack-pending")).toHaveText("0");
    await expect(subs.stat(name, "redelivered")).toHaveText("0");
    await expect(subs.stat(name, "circuit")).toHaveText("closed");
    await expect(subs.stat(name, "last-error")).toHaveText("none");
    const id = await row.getAttribute("data-id");
    expect(id).toMatch(/^sub_/);
    await page.screenshot({ path: shot("subscriptions") });

    await subs.action(name, "Pause").click();
    await expect(subs.state(name)).toHaveText("paused");
    expect((await (await request.get(`/api/subscriptions/${id}`)).json()).state).toBe("paused");
    await subs.action(name, "Resume").click();
    await expect(subs.state(name)).toHaveText("active");

    // edit: the API's answer replaces the row
    await subs.action(name, "Edit").click();
    await expect(subs.field("Name")).toBeDisabled();
    await subs.field("Max in flight").fill("7");
    await subs.submit.click();
    await expect(subs.dialog).toBeHidden();
    await expect.poll(async () => (await (await request.get(`/api/subscriptions/${id}`)).json()).maxInFlight).toBe(7);

    // a second one with the same name: the API's CONFLICT detail lands on the name field
    await subs.newButton.click();
    await subs.field("Name").fill(name);
    await subs.targetType("Internal").check();
    await subs.submit.click();
    await expect(subs.field("Name")).toHaveAccessibleDescription(/must be unique per tenant/);
    await expect(subs.dialog.getByTestId("error-notice")).toHaveAttribute("data-code", "CONFLICT");
    await subs.dialog.getByRole("button", { name: "Cancel" }).click();

    await subs.action(name, "Delete").click();
    await expect(subs.deleteDialog).toContainText(name);
    await subs.deleteDialog.getByRole("button", { name: "Delete" }).click();
    await expect(row).toHaveCount(0);
    expect((await request.get(`/api/subscriptions/${id}`)).status()).toBe(404);
  });

  test("lag over time, and reset position (refused while active with the API's 409 message, done while paused)", async ({
    page,
    request,
  }) => {
    test.setTimeout(45_000);
    target = await startPushTarget(200);
    const tenant = uniqueTenant();
    const name = `e2e-lag-${randomBytes(3).toString("hex")}`;
    const id = await createPushSubscription(request, { name, tenant, url: target.url });
    const subs = new SubscriptionsPage(page);
    await subs.goto({ tenant });
    await subs.action(name, "Lag and reset").click();
    await expect(subs.details).toBeVisible();
    // a sample is taken every LAG_SAMPLE_MS (5 s): the chart appears with the first ones
    await expect(subs.details.getByTestId("lag-chart")).toBeVisible({ timeout: 20_000 });
    await expect(subs.details.getByRole("img", { name: /^Lag: now 0/ })).toBeVisible();

    // active, with this replica as its member: the API refuses, and its message is shown as it is
    const direct = await request.post(`/api/subscriptions/${id}/reset`, { data: { to: { sequence: 1 } } });
    expect(direct.status()).toBe(409);
    const refusal = ((await direct.json()) as { error: { message: string } }).error.message;
    await subs.details.getByRole("radio", { name: "To a sequence" }).check();
    await subs.details.getByRole("textbox", { name: "Sequence" }).fill("1");
    await subs.details.getByRole("button", { name: "Reset position" }).click();
    const refused = subs.details.getByTestId("reset-error");
    await expect(refused).toHaveAttribute("data-code", "CONFLICT");
    await expect(refused).toContainText(refusal);
    await page.screenshot({ path: shot("subscription-lag") });

    // paused, the real API moves the position
    await page.keyboard.press("Escape");
    await subs.action(name, "Pause").click();
    await expect(subs.state(name)).toHaveText("paused");
    await subs.action(name, "Lag and reset").click();
    await subs.details.getByRole("radio", { name: "To a sequence" }).check();
    await subs.details.getByRole("textbox", { name: "Sequence" }).fill("1");
    await subs.details.getByRole("button", { name: "Reset position" }).click();
    await expect(subs.details.getByTestId("reset-done")).toHaveText("Position reset.");
  });
});
