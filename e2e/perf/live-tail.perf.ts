import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { type CDPSession, expect, test } from "@playwright/test";
import { LivePage } from "../pages/live";
import { adminKey, uniqueTenant } from "../support";

/**
 * The live tail receiving 1,000 events/s for 60 s (published from Node in batches of 100 every
 * 100 ms): long tasks (PerformanceObserver 'longtask', > 50 ms) and the JS heap (CDP
 * Performance.getMetrics, after a forced GC) at the start and the end. Run by `npm run
 * bench:browser`; prints the figures and writes them to e2e/artifacts/live-tail-perf.json.
 *
 * The events are published with Node's own fetch from the test process, not Playwright's
 * `request` (which relays every call through the Playwright driver, a second busy process): on a
 * 2-core machine that also runs the server, NATS and Redis, the publisher's CPU is taken from the
 * browser being measured.
 */

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const BATCH = 100;

declare global {
  interface Window {
    __longTasks?: { start: number; duration: number }[];
  }
}

async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  const { metrics } = await cdp.send("Performance.getMetrics");
  const used = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? Number.NaN;
  return Math.round((used / 1024 / 1024) * 10) / 10;
}

async function domNodes(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((m) => m.name === "Nodes")?.value ?? Number.NaN;
}

test("live tail at 1,000 events/s for 60 s: long tasks and heap stay bounded", async ({ page, request, baseURL }) => {
  const tenant = uniqueTenant("perf");
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks?.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");

  const live = new LivePage(page);
  await live.goto({ tenant });
  await live.waitUntilLive();
  // warm-up: the first events compile the row code
  const warm = Array.from({ length: BATCH }, (_, i) => ({
    specversion: "1.0",
    id: randomUUID(),
    source: "/bench",
    type: "com.anumate.bench.warm",
    tenantid: tenant,
    datacontenttype: "application/json",
    data: { i },
  }));
  expect(
    (
      await request.post("/api/events", { headers: { "content-type": "application/cloudevents-batch+json" }, data: warm })
    ).status(),
  ).toBe(202);
  await expect(live.list).toHaveAttribute("data-count", String(BATCH));
  const heapStart = await heapMb(cdp);
  const nodesStart = await domNodes(cdp);
  await page.evaluate(() => {
    window.__longTasks = [];
  });

  // publish RATE events/s in batches, on a fixed schedule (a late batch does not shift the next)
  const total = RATE * SECONDS;
  const started = Date.now();
  let sent = 0;
  let slowestPublishMs = 0;
  const heapSamples: { t: number; mb: number }[] = [];
  let nextSample = 15_000;
  while (sent < total) {
    const due = started + (sent / RATE) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = Array.from({ length: Math.min(BATCH, total - sent) }, (_, i) => ({
      specversion: "1.0",
      id: randomUUID(),
      source: "/bench",
      type: "com.anumate.bench.tick",
      tenantid: tenant,
      subject: `order/${(sent + i) % 500}`,
      datacontenttype: "application/json",
      data: { n: sent + i, amount: (sent + i) % 997, note: "a payload of a typical size for the live tail" },
    }));
    const t0 = Date.now();
    const r = await fetch(`${baseURL}/api/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey()}`, "content-type": "application/cloudevents-batch+json" },
      body: JSON.stringify(batch),
    });
    slowestPublishMs = Math.max(slowestPublishMs, Date.now() - t0);
    expect(r.status, await r.text()).toBe(202);
    sent += batch.length;
    if (Date.now() - started >= nextSample) {
      const { metrics } = await cdp.send("Performance.getMetrics");
      heapSamples.push({
        t: Math.round((Date.now() - started) / 1000),
        mb: Math.round(((metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0) / 1024 / 1024) * 10) / 10,
      });
      nextSample += 15_000;
    }
  }
  const publishSec = (Date.now() - started) / 1000;

  // everything published arrived (the counts line says how many were received in all)
  await expect
    .poll(
      async () =>
        Number(
          (await page.getByTestId("live-counts").textContent())?.match(/· ([\d,]+) older dropped/)?.[1]?.replace(/,/g, "") ?? 0,
        ),
      {
        timeout: 30_000,
      },
    )
    .toBe(BATCH + total - 5000);
  const longTasks = (await page.evaluate(() => window.__longTasks ?? [])) as { start: number; duration: number }[];
  const heapEnd = await heapMb(cdp);
  const nodesEnd = await domNodes(cdp);
  const durations = longTasks.map((t) => t.duration).sort((a, b) => a - b);
  const result = {
    rate: RATE,
    seconds: SECONDS,
    events: total,
    publishSeconds: Math.round(publishSec * 10) / 10,
    achievedRate: Math.round(total / publishSec),
    slowestPublishMs,
    longTasks: {
      count: durations.length,
      totalMs: Math.round(durations.reduce((a, b) => a + b, 0)),
      maxMs: Math.round(durations.at(-1) ?? 0),
      p95Ms: Math.round(durations[Math.floor(durations.length * 0.95)] ?? 0),
      over100Ms: durations.filter((d) => d > 100).length,
    },
    heapMb: { start: heapStart, end: heapEnd, samples: heapSamples },
    domNodes: { start: nodesStart, end: nodesEnd },
    rowsInDom: await page.getByTestId("live-row").count(),
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync("e2e/artifacts/live-tail-perf.json", `${JSON.stringify(result, null, 2)}\n`);
  await page.screenshot({ path: "e2e/artifacts/live-perf.png" });

  // bounded: the ring buffer keeps 5,000 rows whatever the rate, the DOM only the visible ones
  expect(result.rowsInDom).toBeLessThan(60);
  expect(heapEnd).toBeLessThan(heapStart + 40);
  expect(result.longTasks.maxMs).toBeLessThan(200);
});
