import { describe, expect, it } from "vitest";
import type { Ctx } from "../context";
import { createJobRunner } from "./jobs";
import type { Job } from "./ports";

const ctx = { caller: "admin", tenants: "*" } as unknown as Ctx;

/** A job store whose writes land only when the test lets them (as KV writes take their time). */
function slowStore() {
  const saved = new Map<string, Job>();
  const waiting: (() => void)[] = [];
  return {
    saved,
    release: () => {
      for (const w of waiting.splice(0)) w();
    },
    store: {
      get: async (id: string) => saved.get(id),
      put: (job: Job) =>
        new Promise<void>((resolve) => {
          const copy = structuredClone(job);
          waiting.push(() => {
            saved.set(copy.id, copy);
            resolve();
          });
        }),
    },
  };
}

describe("job runner", () => {
  it("reports a job's end only once it is saved: every replica then says the same", async () => {
    const s = slowStore();
    const runner = (instance: string) =>
      createJobRunner({
        store: s.store as never,
        requestCancel: async () => {},
        isCancelRequested: async () => false,
        log: () => {},
        instance,
        flushMs: 60_000,
      });
    const owner = runner("a");
    const other = runner("b");
    let finish: () => void = () => {};
    const job = owner.start({
      ctx,
      kind: "requeue",
      total: 3,
      spec: {},
      work: (h) =>
        new Promise<void>((resolve) => {
          h.progress(3);
          finish = resolve;
        }),
    });
    s.release(); // the first write (running, done 0)
    await new Promise((r) => setTimeout(r, 0));
    expect((await other.get(ctx, job.id)).state).toBe("running");
    finish();
    await new Promise((r) => setTimeout(r, 0));
    // the work is over but its end not yet saved: the owner still says running, as the other does
    expect((await owner.get(ctx, job.id)).state).toBe("running");
    expect((await other.get(ctx, job.id)).state).toBe("running");
    s.release();
    await owner.settled(job.id);
    expect(await owner.get(ctx, job.id)).toMatchObject({ state: "completed", done: 3 });
    expect(await other.get(ctx, job.id)).toMatchObject({ state: "completed", done: 3 });
  });
});
