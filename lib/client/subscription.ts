import { ApiError } from "../api-client";
import { type CloudEventJson, cloudEventJsonSchema } from "../contracts/events";
import type { AttributeFilterDto } from "../contracts/subscriptions";
import { type ClientFrame, type ServerFrame, serverFrameSchema } from "../contracts/ws";
import { ERROR_CODES, type ErrorCode, HTTP_STATUS } from "../errors";
import { isRejectError, retryDelayOf } from "./errors";
import { type WebSocketConstructor, type WebSocketLike, WS_OPEN } from "./websocket";

/** An ad-hoc subscription: a temporary one the server creates for the connection (events from now on). */
export interface AdHocFilter {
  tenant?: string;
  /** Type patterns: exact, `a.b.*` (one more token), `a.b.>` (any more tokens). */
  types?: string[];
  /** Knative-style attribute filters (API.md "Subscriptions"). */
  filters?: AttributeFilterDto[];
  /** @default "new" */
  startAt?: "new" | "all";
}

/** What a handler learns about the delivery besides the event. */
export interface DeliveryInfo {
  subscription: string;
  deliveryId: string;
  /** 1-based; a member that leaves without answering does not use up an attempt. */
  attempt: number;
  seq: number;
  tenant: string;
  replayId?: string;
}

/** Resolve to acknowledge; throw to retry (after `retryDelayMs` if the error has one); throw `RejectError` to dead-letter. */
export type EventHandler = (event: CloudEventJson, info: DeliveryInfo) => Promise<void> | void;

export interface ReconnectOptions {
  /** Delay before the first reconnect. @default 250 */
  initialDelayMs?: number;
  /** @default 2 */
  multiplier?: number;
  /** Longest delay between reconnects. @default 15000 */
  maxDelayMs?: number;
  /** Fraction of each delay drawn at random, 0 to 1, so clients dropped together do not return together. @default 0.5 */
  jitter?: number;
}

export type SubscriptionState = "connecting" | "subscribed" | "reconnecting" | "closed";

export interface SubscribeOptions {
  /** Most events this client holds unanswered at once (the server stops sending at this number). @default 10 */
  maxInFlight?: number;
  reconnect?: ReconnectOptions;
  /**
   * No frame from the server for this long and the connection is taken as dead (the server pings
   * every 15 s by default). @default 45000
   */
  idleTimeoutMs?: number;
  /** How long `close()` waits for handlers under way to answer. @default 5000 */
  closeTimeoutMs?: number;
  /** Errors that do not end the subscription: server error frames, a dropped connection's cause, bad frames. */
  onError?: (error: Error) => void;
  onStateChange?: (state: SubscriptionState) => void;
}

export interface EventSubscription {
  /**
   * Resolves when the server first confirms the subscription; rejects with an `ApiError` when it
   * refuses it (e.g. `NOT_FOUND`), or when `close()` comes first. While the server cannot be
   * reached it stays pending (the client keeps reconnecting).
   */
  readonly ready: Promise<void>;
  readonly state: SubscriptionState;
  /** The server's subscription id (for an ad-hoc filter, a new one after each reconnect). */
  readonly subscriptionId: string | undefined;
  /**
   * Stops receiving, lets handlers under way answer (up to `closeTimeoutMs`), then closes the
   * connection. Events not answered by then are redelivered by the server. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Codes with which a refused subscribe is final: trying again cannot help. */
const FINAL: ReadonlySet<string> = new Set<ErrorCode>(["VALIDATION", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT"]);

const DEFAULT_RECONNECT: Required<ReconnectOptions> = { initialDelayMs: 250, multiplier: 2, maxDelayMs: 15_000, jitter: 0.5 };

/**
 * Delay before reconnect number `failures + 1`: initial × multiplier^failures, capped at maxDelayMs,
 * of which `jitter` is random: delay × (1 − jitter × r), r in [0, 1).
 */
export function reconnectDelayMs(options: ReconnectOptions, failures: number, random: () => number = Math.random): number {
  const o = { ...DEFAULT_RECONNECT, ...options };
  const base = Math.min(o.initialDelayMs * o.multiplier ** Math.max(0, failures), o.maxDelayMs);
  return Math.round(base * (1 - Math.min(1, Math.max(0, o.jitter)) * random()));
}

function isErrorCode(v: string): v is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(v);
}

function frameError(f: Extract<ServerFrame, { type: "error" }>): ApiError {
  const code = isErrorCode(f.code) ? f.code : "INTERNAL";
  return new ApiError(HTTP_STATUS[code], code, f.message, f.details ?? []);
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * One subscription over its own `/api/ws` connection: subscribes on every (re)connect, runs the
 * handler for each event and answers ack / nack / reject on the connection the event came on,
 * answers server pings, and reconnects with capped, jittered exponential backoff.
 */
export function openSubscription(o: {
  url: string;
  headers?: Record<string, string>;
  WebSocket: WebSocketConstructor;
  target: string | AdHocFilter;
  handler: EventHandler;
  options?: SubscribeOptions;
}): EventSubscription {
  const opts = o.options ?? {};
  const idleTimeoutMs = opts.idleTimeoutMs ?? 45_000;
  let state: SubscriptionState = "connecting";
  let socket: WebSocketLike | undefined;
  let confirmedOn: WebSocketLike | undefined;
  let subscriptionId: string | undefined;
  let failures = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();

  let readySettled = false;
  let resolveReady: () => void = () => {};
  let rejectReady: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = () => {
      readySettled = true;
      resolve();
    };
    rejectReady = (e) => {
      readySettled = true;
      reject(e);
    };
  });
  ready.catch(() => {}); // the caller sees it through `ready`; never an unhandled rejection

  const setState = (s: SubscriptionState) => {
    if (state === s) return;
    state = s;
    opts.onStateChange?.(s);
  };
  const report = (e: Error) => {
    try {
      opts.onError?.(e);
    } catch {
      // a failing error callback must not break the connection
    }
  };
  const send = (ws: WebSocketLike, f: ClientFrame) => {
    if (ws.readyState === WS_OPEN) ws.send(JSON.stringify(f));
  };
  // acks made in one turn leave as one frame (`deliveryIds`), per connection
  let acks: { ws: WebSocketLike; ids: string[] }[] = [];
  const flushAcks = () => {
    const batch = acks;
    acks = [];
    for (const a of batch) {
      for (let i = 0; i < a.ids.length; i += 1000) {
        const ids = a.ids.slice(i, i + 1000);
        send(a.ws, ids.length === 1 ? { type: "ack", deliveryId: ids[0] as string } : { type: "ack", deliveryIds: ids });
      }
    }
  };
  const ackSoon = (ws: WebSocketLike, id: string) => {
    if (acks.length === 0) setTimeout(flushAcks, 0);
    const mine = acks.find((a) => a.ws === ws);
    if (mine) mine.ids.push(id);
    else acks.push({ ws, ids: [id] });
  };

  const subscribeFrame = (): ClientFrame => ({
    type: "subscribe",
    ...(typeof o.target === "string" ? { subscription: o.target } : { filter: o.target }),
    ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
  });

  function connect(): void {
    reconnectTimer = undefined;
    if (closing) return;
    let ws: WebSocketLike;
    try {
      ws = new o.WebSocket(o.url, undefined, o.headers ? { headers: o.headers } : undefined);
    } catch (e) {
      report(asError(e));
      scheduleReconnect();
      return;
    }
    socket = ws;
    armIdle(ws);
    ws.onopen = () => {
      if (ws === socket) send(ws, subscribeFrame());
    };
    ws.onmessage = (m) => {
      if (ws !== socket) return;
      armIdle(ws);
      onFrame(ws, m.data);
    };
    ws.onerror = () => {}; // a close event follows
    ws.onclose = () => {
      if (ws !== socket) return;
      release();
      scheduleReconnect();
    };
  }

  /** Forgets the current socket (its late events are ignored). */
  function release(): void {
    socket = undefined;
    confirmedOn = undefined;
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = undefined;
  }

  function scheduleReconnect(): void {
    if (closing) return;
    setState("reconnecting");
    reconnectTimer = setTimeout(connect, reconnectDelayMs(opts.reconnect ?? {}, failures++));
  }

  /** Gives up on a socket that looks dead or refused us for a passing reason, and starts over. */
  function abandon(ws: WebSocketLike): void {
    if (ws !== socket) return;
    release();
    ws.close();
    scheduleReconnect();
  }

  function armIdle(ws: WebSocketLike): void {
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      report(new Error(`No frame from the server for ${idleTimeoutMs} ms; reconnecting`));
      abandon(ws);
    }, idleTimeoutMs);
  }

  function onFrame(ws: WebSocketLike, data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = serverFrameSchema.parse(JSON.parse(String(data)));
    } catch (e) {
      report(new Error("Unexpected frame from the server", { cause: e }));
      return;
    }
    switch (frame.type) {
      case "subscribed":
        confirmedOn = ws;
        subscriptionId = frame.subscription;
        failures = 0;
        setState("subscribed");
        resolveReady();
        return;
      case "event":
        onEvent(ws, frame);
        return;
      case "ping":
        send(ws, { type: "pong" });
        return;
      case "error": {
        const err = frameError(frame);
        if (confirmedOn === ws) {
          report(err); // e.g. an answer that came after the server's ack timeout
        } else if (FINAL.has(err.code)) {
          // the server refused the subscribe itself
          report(err);
          if (!readySettled) rejectReady(err);
          void shutDown();
        } else {
          report(err);
          abandon(ws);
        }
        return;
      }
      case "overflow":
        report(new Error(`The server dropped this connection as too slow (${frame.bufferedBytes} bytes waiting)`));
        return;
      case "pong":
      case "unsubscribed":
        return;
    }
  }

  function onEvent(ws: WebSocketLike, f: Extract<ServerFrame, { type: "event" }>): void {
    if (closing) return; // not started: redelivered once the connection closes
    const info: DeliveryInfo = {
      subscription: f.subscription,
      deliveryId: f.deliveryId,
      attempt: f.attempt,
      seq: f.seq,
      tenant: f.tenant,
      ...(f.replayId !== undefined ? { replayId: f.replayId } : {}),
    };
    const run = async (): Promise<ClientFrame> => {
      const event = cloudEventJsonSchema.safeParse(f.event);
      if (!event.success) {
        report(new Error(`Event ${f.seq} is not a CloudEvent: ${event.error.message}`));
        return { type: "reject", deliveryId: f.deliveryId, reason: "not a CloudEvent (client check)" };
      }
      try {
        await o.handler(event.data as CloudEventJson, info);
        return { type: "ack", deliveryId: f.deliveryId };
      } catch (e) {
        if (isRejectError(e)) return { type: "reject", deliveryId: f.deliveryId, reason: e.message.slice(0, 2000) };
        const delayMs = retryDelayOf(e);
        return { type: "nack", deliveryId: f.deliveryId, ...(delayMs !== undefined ? { delayMs } : {}) };
      }
    };
    // the answer goes back on the connection the event came on: after a reconnect the server has
    // already handed the event to someone else, and the delivery id means nothing on a new connection
    const p = run().then((answer) =>
      answer.type === "ack" && answer.deliveryId ? ackSoon(ws, answer.deliveryId) : send(ws, answer),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  function shutDown(): Promise<void> {
    closing ??= (async () => {
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      if (!readySettled) rejectReady(new Error("The subscription was closed before the server confirmed it"));
      const ws = socket;
      if (ws && confirmedOn === ws && subscriptionId !== undefined)
        send(ws, { type: "unsubscribe", subscription: subscriptionId });
      if (inFlight.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((r) => {
            timer = setTimeout(r, opts.closeTimeoutMs ?? 5000);
          }),
        ]);
        clearTimeout(timer);
      }
      flushAcks(); // answers given, not yet sent
      release();
      if (ws) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          ws.onclose = () => {
            clearTimeout(timer);
            resolve();
          };
          ws.close(1000, "client closing");
        });
      }
      setState("closed");
    })();
    return closing;
  }

  connect();

  return {
    ready,
    get state() {
      return state;
    },
    get subscriptionId() {
      return subscriptionId;
    },
    close: shutDown,
  };
}
