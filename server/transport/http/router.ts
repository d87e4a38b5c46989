import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "../../../lib/errors";
import type { Container } from "../../container";
import type { Permission } from "../../core/auth/roles";
import type { Caller } from "../../core/auth/service";
import type { Ctx } from "../../core/context";
import { sendError, traceOf } from "./io";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  ctx: Ctx;
  /** The authenticated caller (anonymous on public routes). */
  caller: Caller;
  c: Container;
}

export interface Route {
  method: Method;
  /** Path with `:name` segments, e.g. `/api/events/:seq`. */
  path: string;
  /**
   * Who may call it: `public` (health, metrics, sign-in) or a permission (see core/auth/roles.ts).
   * A route without `access` needs `keys:admin`: new routes are closed until opened on purpose.
   */
  access?: "public" | Permission;
  handler: (r: RouteRequest) => Promise<void> | void;
}

interface Compiled {
  route: Route;
  parts: string[];
}

/** Matches requests against the route table. Returns false for paths it does not own. */
export function createRouter(routes: readonly Route[], owns: (path: string) => boolean) {
  const compiled: Compiled[] = routes.map((route) => ({ route, parts: route.path.split("/") }));

  function match(method: string, path: string): { route?: Route; params: Record<string, string>; allowed: Method[] } {
    const segs = path.split("/");
    const allowed: Method[] = [];
    for (const c of compiled) {
      if (c.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = c.parts[i] as string;
        const s = segs[i] as string;
        if (p.startsWith(":")) {
          if (s.length === 0) {
            ok = false;
            break;
          }
          try {
            params[p.slice(1)] = decodeURIComponent(s);
          } catch {
            ok = false;
            break;
          }
        } else if (p !== s) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (c.route.method === method) return { route: c.route, params, allowed };
      allowed.push(c.route.method);
    }
    return { params: {}, allowed };
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, c: Container): Promise<boolean> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (!owns(path)) return false;
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    const logError = (e: unknown) => c.log.error({ err: e, method: req.method, path }, "request failed");
    try {
      if (req.rawHeaders.length / 2 > MAX_HEADERS) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `The request has ${req.rawHeaders.length / 2} headers; at most ${MAX_HEADERS} are allowed`,
          {
            details: [{ field: "headers", rule: `must be at most ${MAX_HEADERS}` }],
          },
        );
      }
      const m = match(req.method ?? "GET", path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path);
      if (!m.route) {
        if (m.allowed.length > 0) {
          res.setHeader("allow", m.allowed.join(", "));
          throw new AppError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}; use ${m.allowed.join(" or ")}`);
        }
        throw new AppError("NOT_FOUND", `No route ${req.method} ${path}`);
      }
      const caller = await authenticate(req, m.route, c);
      if (m.route.access !== "public") {
        // per key and per tenant; health, metrics and sign-in are never limited
        for (const [k, v] of Object.entries(await c.limits.request(caller.ctx))) res.setHeader(k, v);
      }
      const trace = traceOf(req);
      const ctx: Ctx = trace ? { ...caller.ctx, trace } : caller.ctx;
      await m.route.handler({ req, res, params: m.params, query, ctx, caller, c });
    } catch (e) {
      sendError(res, e, logError);
    }
    return true;
  };
}

export const SESSION_COOKIE = "anumate_session";

/** Most headers one request may carry (a binary-mode event needs one per attribute). */
export const MAX_HEADERS = 128;

/** The session cookie's value, if the request carries one. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // a malformed cookie is no session
      }
    }
  }
  return undefined;
}

const ANONYMOUS: Caller = { ctx: { caller: "anonymous", tenants: [] }, roles: [], via: "anonymous" };

/**
 * Authenticates (Bearer key or session cookie) and authorizes the route's permission. A browser
 * session's mutations must come from the console's own origin (CSRF).
 */
export async function authenticate(req: IncomingMessage, route: Pick<Route, "access">, c: Container): Promise<Caller> {
  if (route.access === "public") return ANONYMOUS;
  const auth = req.headers.authorization;
  const caller = await c.auth.authenticate({
    ...(typeof auth === "string" ? { authorization: auth } : {}),
    ...(typeof auth !== "string" && sessionCookie(req) ? { sessionId: sessionCookie(req) } : {}),
  });
  c.auth.authorize(caller, route.access ?? "keys:admin");
  if (caller.via === "session" && req.method !== "GET" && req.method !== "HEAD") {
    const origin = req.headers.origin;
    let sameOrigin = false;
    try {
      sameOrigin = typeof origin === "string" && new URL(origin).host === req.headers.host;
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin) {
      throw new AppError(
        "FORBIDDEN",
        "Cross-origin request refused: a signed-in console may only change things from its own origin",
        {
          details: [{ field: "origin", rule: "must be the console's own origin" }],
        },
      );
    }
  }
  return caller;
}
