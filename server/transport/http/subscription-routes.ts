import { z } from "zod";
import { subscriptionInputSchema, subscriptionPatchSchema } from "../../../lib/contracts/subscriptions";
import { sendJson } from "./io";
import { jsonBody, listParams, parseQuery, timestamp } from "./params";
import type { Route } from "./router";

const resetSchema = z
  .object({
    to: z.union([
      z.object({ time: timestamp }).strict(),
      z.object({ sequence: z.number().int("must be an integer").min(1, "must be >= 1") }).strict(),
    ]),
  })
  .strict();

const subscriptionListQuery = z.object(listParams).strict();

/** Subscription routes (API.md "Subscriptions"). */
export const subscriptionRoutes: readonly Route[] = [
  {
    method: "POST",
    access: "subscriptions:write",
    path: "/api/subscriptions",
    async handler({ req, res, ctx, c }) {
      const input = await jsonBody(req, subscriptionInputSchema, "subscription");
      sendJson(res, 201, await c.subscriptions.create({ ctx, input }));
    },
  },
  {
    method: "GET",
    access: "subscriptions:read",
    path: "/api/subscriptions",
    async handler({ res, ctx, c, query }) {
      const q = parseQuery(subscriptionListQuery, query);
      const input = { limit: q.limit, ...(q.cursor !== undefined ? { cursor: Number(q.cursor) } : {}) };
      sendJson(res, 200, await c.subscriptions.listPage({ ctx, input }));
    },
  },
  {
    method: "GET",
    access: "subscriptions:read",
    path: "/api/subscriptions/:id",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.subscriptions.get({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "PATCH",
    access: "subscriptions:write",
    path: "/api/subscriptions/:id",
    async handler({ req, res, ctx, c, params }) {
      const patch = await jsonBody(req, subscriptionPatchSchema, "subscription change");
      sendJson(res, 200, await c.subscriptions.update({ ctx, input: { id: params.id as string, patch } }));
    },
  },
  {
    method: "DELETE",
    access: "subscriptions:write",
    path: "/api/subscriptions/:id",
    async handler({ res, ctx, c, params }) {
      await c.subscriptions.remove({ ctx, input: { id: params.id as string } });
      res.writeHead(204).end();
    },
  },
  {
    method: "POST",
    access: "subscriptions:write",
    path: "/api/subscriptions/:id/pause",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.subscriptions.pause({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "POST",
    access: "subscriptions:write",
    path: "/api/subscriptions/:id/reset",
    async handler({ req, res, ctx, c, params }) {
      const { to } = await jsonBody(req, resetSchema, "reset");
      sendJson(res, 200, await c.subscriptions.reset({ ctx, input: { id: params.id as string, to } }));
    },
  },
  {
    method: "POST",
    access: "subscriptions:write",
    path: "/api/subscriptions/:id/resume",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.subscriptions.resume({ ctx, input: { id: params.id as string } }));
    },
  },
];
