import type { IncomingMessage, ServerResponse } from "node:http";
import type { Route } from "./router";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The `route` label of a request: the pattern of the API route it matches (`/api/events/:seq`),
 * `(api unknown)` for other API paths, `(console)` for pages. Never the raw path, so the label's
 * cardinality is the size of the route table.
 */
export function routeLabeler(routes: readonly Route[], isApiPath: (path: string) => boolean): (path: string) => string {
  const compiled = [...new Set(routes.map((r) => r.path))].map((p) => ({ path: p, parts: p.split("/") }));
  return (raw) => {
    const path = raw.length > 1 && raw.endsWith("/") ? raw.slice(0, -1) : raw;
    if (!isApiPath(path)) return "(console)";
    const segs = path.split("/");
    for (const c of compiled) {
      if (c.parts.length !== segs.length) continue;
      if (c.parts.every((p, i) => p.startsWith(":") || p === segs[i])) return c.path;
    }
    return "(api unknown)";
  };
}

/** Counts the request and its duration once the response is done (or the client went away). */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  label: (path: string) => string,
  record: (method: string, route: string, status: number, seconds: number) => void,
): void {
  const started = process.hrtime.bigint();
  res.once("close", () => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const method = METHODS.has(req.method ?? "") ? (req.method as string) : "OTHER";
    record(method, label(q < 0 ? url : url.slice(0, q)), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
  });
}
