import { expect, test } from "@playwright/test";
import { AuditPage } from "./pages/audit";
import {
  createPushSubscription,
  type PushTarget,
  publish,
  shot,
  startPushTarget,
  uniqueTenant,
  waitForDeadLetters,
} from "./support";

let target: PushTarget | undefined;
test.afterEach(async () => {
  await target?.close();
  target = undefined;
});

test("the audit page lists a requeue, with who did it and to what", async ({ page, request }) => {
  test.setTimeout(45_000);
  target = await startPushTarget(400);
  const tenant = uniqueTenant();
  const sub = await createPushSubscription(request, { tenant, url: target.url });
  await publish(request, { tenantid: tenant, type: "com.anumate.e2e.audit" });
  const [dl] = await waitForDeadLetters(request, tenant, 1);
  if (!dl) throw new Error("no dead letter");
  target.status = 200;
  const r = await request.post(`/api/dead-letters/${dl.id}/requeue`);
  expect(r.status(), await r.text()).toBe(202);

  const audit = new AuditPage(page);
  await audit.goto({ tenant });
  await expect(page).toHaveTitle("Audit · Anumate Event Bus");
  const row = audit.row("dead-letter.requeue", dl.id);
  await expect(row).toBeVisible();
  await expect(row).toContainText("admin");
  await expect(row).toContainText("ok");
  await expect(row).toContainText(`subscription=${sub}`);
  await page.screenshot({ path: shot("audit") });

  // the action filter narrows the trail to requeues
  await audit.action.fill("dead-letter.requeue");
  await audit.search.click();
  await expect(audit.rows).toHaveCount(1);
  await audit.action.fill("key.revoke");
  await audit.search.click();
  await expect(page.getByTestId("audit-empty")).toBeVisible();
});
