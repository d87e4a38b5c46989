import { createServer, type IncomingMessage, type Server } from "node:http";

export interface ReceivedPush {
  at: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

/**
 * A local HTTP target for push tests. `respond` decides each answer (status and headers) from the
 * request; every request is recorded with its arrival time.
 */
export async function startPushTarget(
  respond: (
    r: ReceivedPush,
    n: number,
  ) => { status: number; headers?: Record<string, string> } | Promise<{ status: number; headers?: Record<string, string> }>,
) {
  const received: ReceivedPush[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const r = { at: Date.now(), headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      const a = await respond(r, received.length);
      res.writeHead(a.status, a.headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
