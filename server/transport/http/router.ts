import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "../../../lib/errors";
import type { Container } from "../../container";
import type { Ctx } from "../../core/context";
import { requestCtx, sendError } from "./io";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  ctx: Ctx;
  c: Container;
}

export interface Route {
  method: Method;
  /** Path with `:name` segments, e.g. `/api/events/:seq`. */
  path: string;
  /** Health and metrics are public; everything else will require a key (security issue). */
  public?: boolean;
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
      const m = match(req.method ?? "GET", path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path);
      if (!m.route) {
        if (m.allowed.length > 0) {
          res.setHeader("allow", m.allowed.join(", "));
          throw new AppError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${path}; use ${m.allowed.join(" or ")}`);
        }
        throw new AppError("NOT_FOUND", `No route ${req.method} ${path}`);
      }
      await m.route.handler({ req, res, params: m.params, query, ctx: requestCtx(req), c });
    } catch (e) {
      sendError(res, e, logError);
    }
    return true;
  };
}
