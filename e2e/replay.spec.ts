import { expect, test } from "@playwright/test";
import { ExplorerPage } from "./pages/explorer";
import { LivePage } from "./pages/live";
import { createPushSubscription, type PushTarget, publish, shot, startPushTarget, uniqueTenant } from "./support";

let target: PushTarget | undefined;
test.afterEach(async () => {
  await target?.close();
  target = undefined;
});

test.describe("explorer: replay to…", () => {
  test("replays the selected events into a subscription: dry-run count first, then the target receives them", async ({
    page,
    request,
  }) => {
    test.setTimeout(60_000);
    const tenant = uniqueTenant();
    const type = "com.anumate.e2e.replay";
    const events: { id: string; seq: number }[] = [];
    for (let i = 0; i < 3; i++) events.push(await publish(request, { tenantid: tenant, type, data: { i } }));
    // created after the events: it receives them only by replay
    target = await startPushTarget(200);
    const sub = await createPushSubscription(request, { tenant, types: [type], url: target.url });

    const ex = new ExplorerPage(page);
    await ex.goto({ tenant });
    await expect(ex.rows).toHaveCount(3);
    const [a, , c] = events;
    if (!a || !c) throw new Error("events missing");
    await ex.select(a.seq).check();
    await ex.select(c.seq).check();
    await ex.replayButton.click();
    await expect(ex.replayDialog).toBeVisible();
    await ex.replayTarget.selectOption(sub);
    // nothing is sent before the count is shown
    await expect(ex.replayDryRun).toHaveAttribute("data-count", "2");
    expect(target.received).toEqual([]);
    await page.screenshot({ path: shot("explorer-replay") });

    // the whole range would be all three
    await ex.replayDialog.getByRole("radio", { name: /The current range/ }).check();
    await expect(ex.replayDryRun).toHaveAttribute("data-count", "3");
    await ex.replayDialog.getByRole("radio", { name: /Selected events/ }).check();
    await expect(ex.replayDryRun).toHaveAttribute("data-count", "2");

    await ex.replayStart.click();
    await expect(ex.replayProgress).toHaveAttribute("data-state", "completed", { timeout: 15_000 });
    await expect(ex.replayProgress).toContainText("2 of 2 done");
    await expect.poll(() => target?.acked().sort() ?? [], { timeout: 15_000 }).toEqual([a.id, c.id].sort());
    // marked as replayed copies
    expect(target.received.map((r) => r.replayId !== undefined && r.replayId.length > 0)).toEqual([true, true]);
  });

  test("replays the current range into the live view, which reads it and ends", async ({ page, request }) => {
    test.setTimeout(60_000);
    const tenant = uniqueTenant();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await publish(request, { tenantid: tenant, type: "com.anumate.e2e.rlive", data: { i } })).id);

    const ex = new ExplorerPage(page);
    await ex.goto({ tenant });
    await expect(ex.rows).toHaveCount(4);
    await ex.replayButton.click();
    await ex.replayTarget.selectOption({ label: "Live view (opens the live tail)" });
    await expect(ex.replayDryRun).toHaveAttribute("data-count", "4");
    await ex.replayStart.click();

    await expect(page).toHaveURL(/\/live\?replay=/);
    const live = new LivePage(page);
    await expect(page.getByTestId("replay-banner")).toBeVisible();
    for (const id of ids) await expect(live.row(id)).toBeVisible({ timeout: 15_000 });
    await expect(live.rows).toHaveCount(4);
    await expect(live.status).toHaveAttribute("data-state", "ended", { timeout: 15_000 });
    await expect(live.status).toHaveText("Replay finished");
    await expect(page.getByTestId("replay-progress")).toHaveAttribute("data-state", "completed", { timeout: 15_000 });
    await page.screenshot({ path: shot("live-replay") });
  });
});
