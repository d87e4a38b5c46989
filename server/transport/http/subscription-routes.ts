import { subscriptionInputSchema, subscriptionPatchSchema } from "../../../lib/contracts/subscriptions";
import { AppError } from "../../../lib/errors";
import { readBody, sendJson, validation } from "./io";
import type { Route, RouteRequest } from "./router";

const BODY_LIMIT = 256 * 1024;

async function jsonBody(req: RouteRequest["req"]): Promise<unknown> {
  const body = await readBody(req, BODY_LIMIT);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new AppError("VALIDATION", `The body is not valid JSON: ${(e as Error).message}`, {
      details: [{ field: "body", rule: "must be valid JSON" }],
      cause: e,
    });
  }
}

/** Subscription routes (API.md "Subscriptions"). */
export const subscriptionRoutes: readonly Route[] = [
  {
    method: "POST",
    path: "/api/subscriptions",
    async handler({ req, res, ctx, c }) {
      const parsed = subscriptionInputSchema.safeParse(await jsonBody(req));
      if (!parsed.success) throw validation(parsed.error, "Invalid subscription");
      sendJson(res, 201, await c.subscriptions.create({ ctx, input: parsed.data }));
    },
  },
  {
    method: "GET",
    path: "/api/subscriptions",
    async handler({ res, ctx, c }) {
      sendJson(res, 200, { items: await c.subscriptions.list({ ctx }), next: null });
    },
  },
  {
    method: "GET",
    path: "/api/subscriptions/:id",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.subscriptions.get({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "PATCH",
    path: "/api/subscriptions/:id",
    async handler({ req, res, ctx, c, params }) {
      const parsed = subscriptionPatchSchema.safeParse(await jsonBody(req));
      if (!parsed.success) throw validation(parsed.error, "Invalid subscription change");
      sendJson(res, 200, await c.subscriptions.update({ ctx, input: { id: params.id as string, patch: parsed.data } }));
    },
  },
  {
    method: "DELETE",
    path: "/api/subscriptions/:id",
    async handler({ res, ctx, c, params }) {
      await c.subscriptions.remove({ ctx, input: { id: params.id as string } });
      res.writeHead(204).end();
    },
  },
  {
    method: "POST",
    path: "/api/subscriptions/:id/pause",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.subscriptions.pause({ ctx, input: { id: params.id as string } }));
    },
  },
  {
    method: "POST",
    path: "/api/subscriptions/:id/resume",
    async handler({ res, ctx, c, params }) {
      sendJson(res, 200, await c.subscriptions.resume({ ctx, input: { id: params.id as string } }));
    },
  },
];
