import { z } from "zod";
import { ratePerSecSchema, replayInputSchema } from "../../../lib/contracts/replays";
import { AppError } from "../../../lib/errors";
import { jobTenant } from "../../core/recovery/jobs";
import { sendJson } from "./io";
import { jsonBody, listParams, parseQuery, tenant, timestamp, typePattern } from "./params";
import type { Route } from "./router";

/** Dead letters, jobs, replays and the audit trail (API.md "Dead letters", "Replays", "Keys, audit, status"). */

const dlqFilter = {
  tenant: tenant.optional(),
  type: typePattern.optional(),
  subscription: z.string().min(1).max(100).optional(),
  q: z.string().min(1, "must not be empty").max(500, "must be at most 500 characters").optional(),
  from: timestamp.optional(),
  to: timestamp.optional(),
};

const dlqListQuery = z.object({ ...dlqFilter, ...listParams }).strict();

const bulkBody = z
  .object({
    ids: z
      .array(z.string().regex(/^\d+$/, "must be a dead-letter id"))
      .min(1, "must name at least one")
      .max(10_000, "must name at most 10000")
      .optional(),
    filter: z.object(dlqFilter).strict().optional(),
    dryRun: z.boolean().optional(),
    ratePerSec: ratePerSecSchema.optional(),
  })
  .strict()
  .refine((b) => !(b.ids && b.filter), { message: "give ids or filter, not both", path: ["filter"] });

const auditQuery = z
  .object({
    actor: z.string().min(1).max(200).optional(),
    action: z.string().min(1).max(100).optional(),
    tenant: tenant.optional(),
    from: timestamp.optional(),
    to: timestamp.optional(),
    ...listParams,
  })
  .strict();

function bulkRoute(path: string, action: "requeue" | "discard"): Route {
  return {
    method: "POST",
    access: "dead-letters:write",
    path,
    async handler({ req, res, ctx, c }) {
      const b = await jsonBody(req, bulkBody, `bulk ${action}`);
      const r = await c.deadLetters.bulk({ ctx, action, ...b });
      sendJson(res, "jobId" in r ? 202 : 200, r);
    },
  };
}

export const recoveryRoutes: readonly Route[] = [
  {
    method: "GET",
    access: "dead-letters:read",
    path: "/api/dead-letters",
    async handler({ res, ctx, c, query }) {
      const q = parseQuery(dlqListQuery, query);
      const { cursor, ...rest } = q;
      sendJson(
        res,
        200,
        await c.deadLetters.list({ ctx, input: { ...rest, ...(cursor !== undefined ? { cursor: Number(cursor) } : {}) } }),
      );
    },
  },
  bulkRoute("/api/dead-letters/requeue", "requeue"),
  bulkRoute("/api/dead-letters/discard", "discard"),
  {
    method: "GET",
    access: "dead-letters:read",
    path: "/api/dead-letters/:id",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.deadLetters.get({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "DELETE",
    access: "dead-letters:write",
    path: "/api/dead-letters/:id",
    async handler({ res, ctx, c, params }) {
      await c.deadLetters.discard({ ctx, input: { id: params.id as string } });
      res.writeHead(204).end();
    },
  },
  {
    method: "POST",
    access: "dead-letters:write",
    path: "/api/dead-letters/:id/requeue",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 202, await c.deadLetters.requeue({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "GET",
    access: "dead-letters:read",
    path: "/api/jobs/:id",
    async handler({ res, ctx, c, params }) {
      const j = await c.jobs.get(ctx, params.id as string);
      sendJson(res, 200, {
        id: j.id,
        kind: j.kind,
        state: j.state,
        done: j.done,
        total: j.total,
        failed: j.failed,
        position: j.position ?? null,
        createdAt: j.createdAt,
        updatedAt: j.updatedAt,
        ...(j.error ? { error: j.error } : {}),
      });
    },
  },
  {
    method: "DELETE",
    access: "dead-letters:write",
    path: "/api/jobs/:id",
    async handler({ res, ctx, c, params }) {
      const j = await c.jobs.cancel(ctx, params.id as string);
      await c.audit
        .append({
          actor: ctx.caller,
          action: `${j.kind}.cancel`,
          target: j.id,
          result: "ok",
          details: { state: j.state },
          ...jobTenant(j),
        })
        .catch(() => {});
      sendJson(res, 202, { id: j.id, state: j.state, cancelRequested: true });
    },
  },
  {
    method: "POST",
    access: "replays:write",
    path: "/api/replays",
    async handler({ req, res, ctx, c }) {
      const input = await jsonBody(req, replayInputSchema, "replay");
      const r = await c.replays.create({ ctx, input });
      sendJson(res, "id" in r ? 202 : 200, r);
    },
  },
  {
    method: "GET",
    access: "replays:write",
    path: "/api/replays/:id",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.replays.get({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "DELETE",
    access: "replays:write",
    path: "/api/replays/:id",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 202, await c.replays.cancel({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "GET",
    access: "audit:read",
    path: "/api/audit",
    async handler({ res, ctx, c, query }) {
      const q = parseQuery(auditQuery, query);
      // a tenant's key reads its own tenant's records only
      if (ctx.tenants !== "*") {
        if (ctx.tenants.length !== 1 || (q.tenant !== undefined && q.tenant !== ctx.tenants[0])) {
          throw new AppError("FORBIDDEN", "This key may read its own tenant's audit records only", {
            details: [{ field: "tenant", rule: "must be this key's tenant" }],
          });
        }
        q.tenant = ctx.tenants[0];
      }
      const page = await c.audit.list({
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.tenant ? { tenant: q.tenant } : {}),
        ...(q.from ? { from: q.from } : {}),
        ...(q.to ? { to: q.to } : {}),
        ...(q.cursor ? { fromSeq: Number(q.cursor) } : {}),
        limit: q.limit,
      });
      sendJson(res, 200, {
        items: page.items.map(({ seq: _seq, ...r }) => r),
        next: page.nextSeq === null ? null : String(page.nextSeq),
      });
    },
  },
];
