import type { Socket } from "node:net";
import { WebSocket } from "ws";
import type { ServerFrame } from "../../lib/contracts/ws";

export type EventFrame = Extract<ServerFrame, { type: "event" }>;

/**
 * A raw `/api/ws` client for tests: every server frame is queued, and `take` waits for (and removes)
 * the first one matching a predicate, so a test reads frames in the order it cares about.
 */
export class TestWsClient {
  /** Frames received and not taken yet. */
  readonly queue: ServerFrame[] = [];
  /** Every frame ever received, in order. */
  readonly log: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (raw) => {
      const f = JSON.parse(raw.toString()) as ServerFrame;
      this.queue.push(f);
      this.log.push(f);
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((resolve) => {
      ws.once("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of [...this.waiters]) w();
      });
    });
  }

  static open(url: string): Promise<TestWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new TestWsClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Removes and returns the first queued frame matching `pred`, waiting up to `timeoutMs` for one. */
  take<F extends ServerFrame>(pred: (f: ServerFrame) => f is F, timeoutMs?: number): Promise<F>;
  take(pred: (f: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  take(pred: (f: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.queue.findIndex(pred);
        if (i >= 0) {
          done();
          resolve(this.queue.splice(i, 1)[0] as ServerFrame);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`connection closed while waiting for a frame; queued: ${summary(this.queue)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching frame within ${timeoutMs} ms; queued: ${summary(this.queue)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Takes the next event frame (of a subscription, when given). */
  nextEvent(subscription?: string, timeoutMs?: number): Promise<EventFrame> {
    return this.take(
      (f): f is EventFrame => f.type === "event" && (subscription === undefined || f.subscription === subscription),
      timeoutMs,
    );
  }

  /** Sends `subscribe` and waits for `subscribed` (or fails on an `error` frame). */
  async subscribe(frame: { subscription?: string; filter?: object; maxInFlight?: number }): Promise<string> {
    this.send({ type: "subscribe", ...frame });
    const f = await this.take((x) => x.type === "subscribed" || x.type === "error");
    if (f.type !== "subscribed") throw new Error(`subscribe refused: ${JSON.stringify(f)}`);
    return f.subscription;
  }

  /** Stops reading from the socket: the server's writes pile up in the kernel and then in its own buffer. */
  pauseReading(): void {
    rawSocket(this.ws).pause();
  }

  resumeReading(): void {
    rawSocket(this.ws).resume();
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close frame. */
  terminate(): Promise<{ code: number; reason: string }> {
    this.ws.terminate();
    return this.closed;
  }
}

/** The one cast: `ws` keeps its TCP socket in a private field. */
function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

function summary(frames: ServerFrame[]): string {
  return JSON.stringify(frames.map((f) => (f.type === "event" ? { type: f.type, seq: f.seq, attempt: f.attempt } : f))).slice(
    0,
    500,
  );
}

/** Polls `probe` until it returns something other than undefined (or false). */
export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
