import { expect, test } from "@playwright/test";
import { PublishPage } from "./pages/publish";
import { shot, uniqueTenant } from "./support";

test.describe("publish", () => {
  test("sends a catalog event and shows where it was stored", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const pub = new PublishPage(page);
    await pub.goto({ tenant });
    await expect(page).toHaveTitle("Publish · Anumate Event Bus");
    await expect(pub.tenant).toHaveValue(tenant);

    await pub.type.selectOption("com.anumate.approval.granted");
    await expect(pub.source).toHaveValue("/approvals");
    await expect(pub.data).toHaveValue(/"grantedBy"/);
    await pub.subject.fill("apr_01J9ZCA0QK7S");
    await pub.correlationId.fill("corr-publish-1");
    await pub.publishButton.click();

    await expect(pub.seq).toHaveText(/^\d+$/);
    await expect(pub.duplicate).toHaveAttribute("data-duplicate", "false");
    const seq = Number(await pub.seq.textContent());
    const stored = await (await request.get(`/api/events/${seq}`)).json();
    expect(stored).toMatchObject({
      seq,
      tenant,
      event: {
        type: "com.anumate.approval.granted",
        source: "/approvals",
        subject: "apr_01J9ZCA0QK7S",
        tenantid: tenant,
        correlationid: "corr-publish-1",
        data: { approvalId: "apr_01J9ZCA0QK7S" },
      },
    });
    await page.screenshot({ path: shot("publish") });

    // the same event again is recognised: same seq, duplicate
    await pub.resendButton.click();
    await expect(pub.duplicate).toHaveAttribute("data-duplicate", "true");
    await expect(pub.seq).toHaveText(String(seq));
  });

  test("shows the problems field by field, from the catalog and from the bus", async ({ page, request }) => {
    const tenant = uniqueTenant();
    const pub = new PublishPage(page);
    await pub.goto({ tenant });
    await pub.type.selectOption("com.anumate.capsule.created");

    // invalid data: checked in the browser against the catalog, nothing is sent
    const data = JSON.parse(await pub.data.inputValue());
    delete data.capsuleId;
    data.version = "1.0";
    data.author.kind = "robot";
    await pub.data.fill(JSON.stringify(data, null, 2));
    await pub.publishButton.click();
    await expect(pub.problem("data.capsuleId")).toContainText("is required");
    await expect(pub.problem("data.version")).toContainText("must be a semantic version");
    await expect(pub.problem("data.author.kind")).toContainText('must be one of "user", "service"');
    await expect(pub.data).toHaveAccessibleDescription(/capsuleId: is required/);
    await expect(pub.data).toHaveAttribute("aria-invalid", "true");
    await page.screenshot({ path: shot("publish-errors") });
    const history = await (await request.get(`/api/events?tenant=${tenant}`)).json();
    expect(history.items).toHaveLength(0);

    // not JSON at all
    await pub.data.fill("{ not json");
    await pub.publishButton.click();
    await expect(pub.problem("data")).toContainText("must be valid JSON");

    // the envelope is the bus's to check: its details land on the form's fields
    await pub.getReady();
    await pub.tenant.fill("not a tenant!");
    await pub.publishButton.click();
    await expect(pub.problem("tenantid")).toContainText("must be 1-64 characters");
    await expect(pub.tenant).toHaveAccessibleDescription(/must be 1-64 characters/);
    await expect(pub.seq).toHaveCount(0);
  });
});
