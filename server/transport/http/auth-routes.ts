import type { IncomingMessage } from "node:http";
import { keyInputSchema, sessionInputSchema } from "../../../lib/contracts/keys";
import { AppError } from "../../../lib/errors";
import { sendJson } from "./io";
import { jsonBody } from "./params";
import { authenticate, type Route, SESSION_COOKIE, sessionCookie } from "./router";

function cookie(req: IncomingMessage, value: string, maxAgeSec: number): string {
  const secure = (req.socket as { encrypted?: boolean }).encrypted || req.headers["x-forwarded-proto"] === "https";
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSec}${secure ? "; Secure" : ""}`;
}

/** API keys (admin) and console sessions (API.md "Keys"). */
export const authRoutes: readonly Route[] = [
  {
    method: "POST",
    path: "/api/keys",
    access: "keys:admin",
    async handler({ req, res, ctx, c }) {
      const input = await jsonBody(req, keyInputSchema, "key");
      sendJson(res, 201, await c.auth.createKey({ ctx, input }));
    },
  },
  {
    method: "GET",
    path: "/api/keys",
    access: "keys:admin",
    handler({ res, c }) {
      sendJson(res, 200, { items: c.auth.list(), next: null });
    },
  },
  {
    method: "DELETE",
    path: "/api/keys/:id",
    access: "keys:admin",
    async handler({ res, ctx, c, params }) {
      await c.auth.revoke({ ctx, input: { id: params.id as string } });
      res.writeHead(204).end();
    },
  },
  {
    method: "GET",
    path: "/api/session",
    access: "public",
    async handler({ req, res, c }) {
      if (c.auth.disabled) return sendJson(res, 200, { authenticated: true, authDisabled: true, tenants: "*", roles: ["admin"] });
      try {
        const caller = await authenticate(req, { access: "events:read" }, c).catch(async (e) => {
          // a key without events:read is still signed in
          if (e instanceof AppError && e.code === "FORBIDDEN")
            return c.auth.authenticate({
              ...(sessionCookie(req) ? { sessionId: sessionCookie(req) } : {}),
              ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            });
          throw e;
        });
        sendJson(res, 200, {
          authenticated: true,
          authDisabled: false,
          caller: caller.ctx.caller,
          tenants: caller.ctx.tenants,
          roles: caller.roles,
        });
      } catch {
        sendJson(res, 200, { authenticated: false, authDisabled: false });
      }
    },
  },
  {
    method: "POST",
    path: "/api/session",
    access: "public",
    async handler({ req, res, c }) {
      const origin = req.headers.origin;
      if (
        typeof origin === "string" &&
        (() => {
          try {
            return new URL(origin).host !== req.headers.host;
          } catch {
            return true;
          }
        })()
      ) {
        throw new AppError("FORBIDDEN", "Sign in from the console's own origin", {
          details: [{ field: "origin", rule: "must be the console's own origin" }],
        });
      }
      const { key } = await jsonBody(req, sessionInputSchema, "sign-in");
      const s = await c.auth.signIn(key);
      sendJson(
        res,
        200,
        {
          authenticated: true,
          expiresAt: s.expiresAt,
          caller: s.caller.ctx.caller,
          tenants: s.caller.ctx.tenants,
          roles: s.caller.roles,
        },
        { "set-cookie": cookie(req, s.sessionId, c.config.SESSION_TTL) },
      );
    },
  },
  {
    method: "DELETE",
    path: "/api/session",
    access: "public",
    async handler({ req, res, c }) {
      const id = sessionCookie(req);
      if (id) await c.auth.signOut(id);
      res.writeHead(204, { "set-cookie": cookie(req, "", 0) }).end();
    },
  },
];
