import { expect, test } from "@playwright/test";
import { DeadLettersPage } from "./pages/dead-letters";
import { ExplorerPage } from "./pages/explorer";
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

test.describe("dead letters", () => {
  test("a failing push target's event is dead-lettered, requeued with a click and handled by the recovered target", async ({
    page,
    request,
  }) => {
    test.setTimeout(60_000);
    target = await startPushTarget(500);
    const tenant = uniqueTenant();
    const sub = await createPushSubscription(request, { tenant, url: target.url, maxAttempts: 1 });
    const e = await publish(request, { tenantid: tenant, type: "com.anumate.e2e.dlq", data: { order: 42 } });
    const [dl] = await waitForDeadLetters(request, tenant, 1);
    if (!dl) throw new Error("no dead letter");
    expect(target.received.map((r) => [r.id, r.status])).toEqual([[e.id, 500]]);

    const dlq = new DeadLettersPage(page);
    await dlq.goto({ tenant });
    await expect(page).toHaveTitle("Dead letters · Anumate Event Bus");
    const row = dlq.row(e.id);
    await expect(row).toBeVisible();
    await expect(dlq.total).toHaveAttribute("data-total", "1");
    await expect(row).toContainText("max-attempts");
    await expect(row).toContainText(sub);
    await expect(row.getByTestId("dead-letter-error")).toContainText("500");
    await page.screenshot({ path: shot("dead-letters") });

    // inspect: every attempt's error, where the event is in the stream
    await dlq.action(dl.id, "Inspect").click();
    await expect(dlq.detail).toBeVisible();
    await expect(dlq.detail.getByTestId("attempt-row")).toHaveCount(1);
    await expect(dlq.detail.getByTestId("attempt-row")).toContainText("500");
    await expect(dlq.detail.getByTestId("dead-letter-original-seq")).toHaveText(String(e.seq));
    await expect(dlq.detail).toContainText('"order": 42');
    await page.screenshot({ path: shot("dead-letter-detail") });
    await page.keyboard.press("Escape");

    // the target is fixed; one click hands the event back to its subscription
    target.status = 200;
    await dlq.action(dl.id, "Requeue").click();
    await expect(dlq.notice).toContainText(`Dead letter ${dl.id} requeued to ${sub}`);
    await expect.poll(() => target?.acked() ?? [], { timeout: 15_000 }).toEqual([e.id]);
    await expect(row).toHaveCount(0);
    await expect(dlq.empty).toBeVisible();

    // the explorer's inspector says where the event is now: acknowledged by the subscription
    const ex = new ExplorerPage(page);
    await ex.goto({ tenant });
    await ex.open(e.id);
    const status = ex.processingStatus.locator(`[data-subscription="${sub}"]`);
    await expect(status).toHaveAttribute("data-state", "acknowledged", { timeout: 15_000 });
    await expect(status).toContainText("2 attempts");
  });

  test("bulk: discard the selected one, then requeue all matching (dry-run count first, then the job's progress)", async ({
    page,
    request,
  }) => {
    test.setTimeout(60_000);
    // 400: rejected, dead-lettered at once
    target = await startPushTarget(400);
    const tenant = uniqueTenant();
    await createPushSubscription(request, { tenant, url: target.url, maxAttempts: 3 });
    const events: { id: string; seq: number }[] = [];
    for (let i = 0; i < 3; i++)
      events.push(await publish(request, { tenantid: tenant, type: "com.anumate.e2e.bulk", data: { i } }));
    const dls = await waitForDeadLetters(request, tenant, 3);

    const dlq = new DeadLettersPage(page);
    await dlq.goto({ tenant });
    await expect(dlq.rows).toHaveCount(3);
    await expect(dlq.rows.first()).toContainText("rejected");

    const first = dls.find((d) => d.event.id === events[0]?.id);
    if (!first) throw new Error("first dead letter missing");
    await dlq.select(first.id).check();
    await dlq.bulk("Discard selected").click();
    await expect(dlq.dryRunCount).toHaveAttribute("data-count", "1");
    await dlq.confirm("Discard").click();
    await expect(dlq.jobProgress).toHaveAttribute("data-state", "completed");
    await expect(dlq.jobProgress).toContainText("1 of 1 done");
    await dlq.bulkDialog.getByRole("button", { name: "Close" }).click();
    await expect(dlq.rows).toHaveCount(2);
    await expect(dlq.row(first.event.id)).toHaveCount(0);

    target.status = 200;
    await dlq.bulk("Requeue all matching").click();
    await expect(dlq.bulkDialog).toContainText(`every dead letter matching tenant ${tenant}`);
    await expect(dlq.dryRunCount).toHaveAttribute("data-count", "2");
    await page.screenshot({ path: shot("dead-letters-bulk") });
    await dlq.confirm("Requeue").click();
    await expect(dlq.jobProgress).toHaveAttribute("data-state", "completed");
    await expect(dlq.jobProgress).toContainText("2 of 2 done");
    await expect
      .poll(() => [...(target?.acked() ?? [])].sort(), { timeout: 15_000 })
      .toEqual([events[1]?.id, events[2]?.id].sort());
    await dlq.bulkDialog.getByRole("button", { name: "Close" }).click();
    await expect(dlq.empty).toBeVisible();
  });

  test("an API refusal is shown with its code, never as an empty list", async ({ page }) => {
    await page.route("**/api/dead-letters?*", (route) =>
      route.fulfill({
        status: 403,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "FORBIDDEN", message: "This key (roles: publisher) may not do this" } }),
      }),
    );
    const dlq = new DeadLettersPage(page);
    await dlq.goto({ tenant: uniqueTenant() });
    const notice = page.getByTestId("error-notice");
    await expect(notice).toHaveAttribute("data-code", "FORBIDDEN");
    await expect(notice).toContainText("Not allowed");
    await expect(notice).toContainText("may not do this");
    await expect(dlq.empty).toHaveCount(0);
  });
});
