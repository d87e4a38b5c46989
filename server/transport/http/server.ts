import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { AppError } from "../../../lib/errors";
import type { Container } from "../../container";
import { attachWebSocket, type WsOptions } from "../ws/gateway";
import { answerClientError } from "./client-errors";
import { sendError } from "./io";
import { observeRequest, routeLabeler } from "./request-metrics";
import { createRouter } from "./router";
import { routes } from "./routes";
import { applySecurityHeaders } from "./security-headers";

/** Paths the API owns; everything else goes to Next (the console). */
export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path === "/metrics";
}

export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServer {
  server: Server;
  /** Connected WebSocket clients. */
  wsClients(): number;
  listen(port: number, host: string): Promise<number>;
  /** Stops taking requests and waits (up to `graceMs`) for those under way. Safe to call twice. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The HTTP server: the API is served here directly (ahead of Next's router, so the hot routes and
 * the streaming routes pay nothing for it); every other path goes to `fallback` (Next).
 */
export function createHttpServer(
  c: Container,
  fallback?: FallbackHandler,
  opts: {
    ws?: WsOptions;
    /** Upgrades other than /api/ws (Next's hot reload in development). */
    upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  } = {},
): HttpServer {
  const api = createRouter(routes, isApiPath);
  const routeOf = routeLabeler(routes, isApiPath);
  const recordRequest = c.observability.prometheus.http;
  let closing = false;
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    observeRequest(req, res, routeOf, recordRequest);
    applySecurityHeaders(req, res, isApiPath((req.url ?? "/").split("?")[0] as string), {
      dev: c.config.NODE_ENV === "development",
    });
    if (closing) res.setHeader("connection", "close");
    api(req, res, c)
      .then(async (handled) => {
        if (handled) return;
        if (fallback) await fallback(req, res);
        else sendError(res, new AppError("NOT_FOUND", `No route ${req.method} ${req.url}`), () => {});
      })
      .catch((e) => sendError(res, e, (err) => c.log.error({ err }, "request failed")));
  });
  // requests Node's parser refuses (bad header lines, oversized headers…) get the JSON error shape too
  server.on("clientError", answerClientError);
  // an `Expect` other than 100-continue: serve the request as usual (RFC 9110 lets a server ignore
  // it) instead of Node's bare 417 without the JSON error shape or security headers
  server.on("checkExpectation", (req, res) => server.emit("request", req, res));
  const ws = attachWebSocket(server, c, opts.ws, opts.upgrade);
  c.observability.prometheus.setWebSocketClients(ws.clients);
  let closed: Promise<void> | undefined;
  return {
    server,
    wsClients: ws.clients,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const addr = server.address();
          resolve(typeof addr === "object" && addr ? addr.port : port);
        });
      }),
    close(graceMs = 10_000) {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        // SSE responses never finish by themselves: end them now instead of waiting out `graceMs`
        void c.live.stop();
        ws.close();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        // keep-alive connections become idle as their last answer goes out: close them then
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(idle);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
