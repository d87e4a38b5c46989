import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { clientFrameSchema, type ServerFrame } from "../../../lib/contracts/ws";
import { AppError, HTTP_STATUS, isAppError } from "../../../lib/errors";
import { jsonDepthExceeds, MAX_BODY_JSON_DEPTH } from "../../../lib/json-depth";
import type { Container } from "../../container";
import { toJsonText } from "../../core/cloudevents/json";
import { type JsonParts, jsonParts } from "../../core/cloudevents/nats";
import type { Ctx } from "../../core/context";
import type { Member } from "../../core/delivery/members";
import type { Delivery, DeliveryOutcome } from "../../core/delivery/ports";
import { traceOf, zodDetails } from "../http/io";
import { authenticate } from "../http/router";
import { TurnWriter } from "./turn-writer";

export interface WsOptions {
  /**
   * Bytes waiting in a client's socket above which it gets no more events (flow control). A client
   * that stays above it for `stallMs` is too slow: it is sent an overflow frame and disconnected.
   * @default 1 MiB
   */
  maxBufferedBytes?: number;
  /** How long a client may stay over `maxBufferedBytes`. @default 10000 */
  stallMs?: number;
  /** Server ping interval. @default 15000 */
  heartbeatMs?: number;
  /** Largest client frame. @default 64 KiB */
  maxFrameBytes?: number;
}

interface Pending {
  resolve: (o: DeliveryOutcome) => void;
  /** The member it was sent to: told when it is answered. */
  answered: () => void;
  /** When it counts as not acknowledged (ms since the epoch). */
  deadline: number;
  ackWaitMs: number;
}

/** How often a connection looks for deliveries past their ack wait (one timer, not one per delivery). */
const ACK_SWEEP_MS = 100;

/**
 * `/api/ws`: services subscribe to durable subscriptions (or an ad-hoc filter), receive events with a
 * delivery id and attempt, and answer ack / nack (with delay) / reject. Each connection is a member
 * of the subscriptions it joined; its unacknowledged events go back to the others when it leaves.
 */
export function attachWebSocket(
  server: Server,
  c: Container,
  opts: WsOptions = {},
  fallback?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
) {
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const stallMs = opts.stallMs ?? 10_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? 64 * 1024 });
  const connections = new Set<WebSocket>();

  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/api/ws") {
      // the same key or console session as HTTP; the upgrade is refused with the API's status and JSON error
      authenticate(req, { access: "events:read" }, c).then(
        (caller) => {
          const trace = traceOf(req);
          const ctx: Ctx = trace ? { ...caller.ctx, trace } : caller.ctx;
          wss.handleUpgrade(req, socket, head, (ws) => {
            connections.add(ws);
            ws.on("close", () => connections.delete(ws));
            serve(ws, ctx);
          });
        },
        (e: unknown) => {
          const err = isAppError(e) ? e : new AppError("INTERNAL", "Internal error");
          const body = JSON.stringify(err.toBody());
          socket.end(
            `HTTP/1.1 ${HTTP_STATUS[err.code]} ${err.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
          );
        },
      );
    } else if (fallback) fallback(req, socket, head);
    else socket.destroy();
  });

  function serve(ws: WebSocket, ctx: Ctx): void {
    const connId = randomBytes(4).toString("hex");
    const pending = new Map<string, Pending>();
    const joined = new Map<string, { leave: () => void; adHoc: boolean }>();
    let closed = false;

    // Flow control: over maxBuffered the client gets no more events (its members report no
    // capacity). Staying over it for stallMs makes it a slow consumer: it is sent an overflow frame
    // with the count of events it holds, and disconnected; those events go to the other members.
    let stall: ReturnType<typeof setInterval> | undefined;
    // frames of one event-loop turn leave as one socket write; once written (or drained), capacity may be back
    const out = new TurnWriter(ws, () => {
      if (stall) capacityBack();
    });
    const full = () => ws.bufferedAmount + out.queued() > maxBuffered;
    /** Ends the stall watch and tells the client's subscriptions, once it is under the limit again. */
    const capacityBack = (): boolean => {
      if (full()) return false;
      clearInterval(stall);
      stall = undefined;
      for (const id of joined.keys()) c.subscriptions.pool(id)?.notify();
      return true;
    };
    const watchStall = () => {
      if (stall) return;
      const since = Date.now();
      stall = setInterval(() => {
        if (capacityBack()) return;
        if (Date.now() - since < stallMs) return;
        clearInterval(stall);
        stall = undefined;
        out.send(
          JSON.stringify({ type: "overflow", pending: pending.size, bufferedBytes: ws.bufferedAmount } satisfies ServerFrame),
        );
        out.flush();
        ws.close(1008, `overflow: too slow, ${pending.size} events not acknowledged`);
        setTimeout(() => ws.terminate(), stallMs).unref(); // no close handshake from a client that does not read
      }, 50);
      stall.unref();
    };
    /** A frame as an object, or as its JSON (text or parts) when that is already made. */
    const send = (f: ServerFrame | string | JsonParts): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      out.send(typeof f === "string" || "head" in f ? f : JSON.stringify(f));
      if (full()) watchStall();
    };
    const fail = (e: unknown) => {
      const err = isAppError(e) ? e : new AppError("INTERNAL", "Internal error", { cause: e });
      if (err.code === "INTERNAL") c.log.error({ err: e }, "websocket request failed");
      send({ type: "error", code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
    };

    // one timer per connection finds deliveries past their ack wait (at most the in-flight limits to look at)
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [id, p] of pending) {
        if (p.deadline > now) continue;
        settle(id, { ok: false, retryable: true, message: `not acknowledged within ${p.ackWaitMs} ms` });
      }
    }, ACK_SWEEP_MS);
    sweep.unref();

    const heartbeat = setInterval(() => send({ type: "ping", at: new Date().toISOString() }), opts.heartbeatMs ?? 15_000);
    heartbeat.unref();

    function member(subscription: string, maxInFlight: number, ackWaitMs: number): Member {
      let mine = 0;
      const frame = eventFramer(subscription);
      const answered = () => {
        mine--;
        c.subscriptions.pool(subscription)?.notify();
      };
      return {
        id: `ws_${connId}_${subscription}`,
        capacity: () => (closed || full() ? 0 : maxInFlight - mine),
        // over the byte limit only: what a pull already took waits for the socket to drain
        room: () => (closed ? 0 : maxInFlight - mine),
        deliver(d: Delivery) {
          if (closed) return Promise.resolve({ ok: false, gone: true } as const);
          mine++;
          return new Promise<DeliveryOutcome>((resolve) => {
            pending.set(d.deliveryId, { resolve, answered, deadline: Date.now() + ackWaitMs, ackWaitMs });
            send(frame(d));
          });
        },
      };
    }

    function settle(deliveryId: string, outcome: DeliveryOutcome): boolean {
      const p = pending.get(deliveryId);
      if (!p) return false;
      pending.delete(deliveryId);
      p.answered();
      p.resolve(outcome);
      return true;
    }

    async function subscribe(f: Extract<ReturnType<typeof clientFrameSchema.parse>, { type: "subscribe" }>): Promise<void> {
      const maxInFlight = f.maxInFlight ?? 10;
      let id = f.subscription;
      let adHoc = false;
      if (f.filter) {
        adHoc = true;
        const sub = await c.subscriptions.create({
          ctx,
          input: {
            name: `ws-adhoc-${connId}-${randomBytes(3).toString("hex")}`,
            ...(f.filter.tenant !== undefined ? { tenant: f.filter.tenant } : {}),
            ...(f.filter.types !== undefined ? { types: f.filter.types } : {}),
            ...(f.filter.filters !== undefined ? { filters: f.filter.filters } : {}),
            target: { type: "websocket" },
            startAt: { type: f.filter.startAt ?? "new" },
            maxInFlight,
          },
        });
        id = sub.id;
      }
      const subId = id as string;
      // an ad-hoc subscription lives only while joined: remove it when joining fails or the client already left
      const dropAdHoc = () => {
        if (adHoc) void c.subscriptions.remove({ ctx, input: { id: subId } }).catch(() => {});
      };
      let leave: () => void;
      try {
        if (joined.has(subId))
          throw new AppError("CONFLICT", `Already subscribed to ${subId}`, {
            details: [{ field: "subscription", rule: "must not be joined twice" }],
          });
        const sub = await c.subscriptions.get({ ctx, input: { id: subId } });
        if (sub.target.type !== "websocket" && sub.target.type !== "internal") {
          throw new AppError("CONFLICT", `Subscription ${subId} delivers by HTTP push`, {
            details: [{ field: "subscription", rule: "must have a websocket target" }],
          });
        }
        leave = await c.subscriptions.attach({
          ctx,
          input: { id: subId, member: member(subId, maxInFlight, sub.retry.ackWaitMs) },
        });
      } catch (e) {
        dropAdHoc();
        throw e;
      }
      if (closed) {
        leave();
        dropAdHoc();
        return;
      }
      joined.set(subId, { leave, adHoc });
      send({ type: "subscribed", subscription: subId, adHoc });
    }

    function leave(subId: string): void {
      const j = joined.get(subId);
      if (!j) return;
      joined.delete(subId);
      j.leave();
      if (j.adHoc) void c.subscriptions.remove({ ctx, input: { id: subId } }).catch(() => {});
    }

    ws.on("message", (raw, isBinary) => {
      let frame: ReturnType<typeof clientFrameSchema.parse>;
      try {
        if (isBinary)
          throw new AppError("VALIDATION", "Frames are JSON text", {
            details: [{ field: "frame", rule: "must be a text frame" }],
          });
        const text = raw.toString();
        // the usual frame, in the form the client library sends it: answered without a JSON parse
        const ids = ackedIds(text);
        if (ids) {
          for (const id of ids) if (!settle(id, ACKED)) fail(unknownDelivery(id));
          return;
        }
        if (jsonDepthExceeds(text, MAX_BODY_JSON_DEPTH))
          throw new AppError("VALIDATION", "The frame nests JSON too deep", {
            details: [{ field: "frame", rule: `must nest JSON at most ${MAX_BODY_JSON_DEPTH} levels deep` }],
          });
        const parsed = clientFrameSchema.safeParse(JSON.parse(text));
        if (!parsed.success) throw new AppError("VALIDATION", "Invalid frame", { details: zodDetails(parsed.error) });
        frame = parsed.data;
      } catch (e) {
        fail(
          e instanceof SyntaxError
            ? new AppError("VALIDATION", "Frames are JSON", { details: [{ field: "frame", rule: "must be valid JSON" }] })
            : e,
        );
        return;
      }
      switch (frame.type) {
        case "subscribe":
          subscribe(frame).catch(fail);
          return;
        case "unsubscribe":
          leave(frame.subscription);
          send({ type: "unsubscribed", subscription: frame.subscription });
          return;
        case "ack":
          for (const id of frame.deliveryIds ?? [frame.deliveryId as string])
            if (!settle(id, { ok: true })) fail(unknownDelivery(id));
          return;
        case "nack":
          if (
            !settle(frame.deliveryId, {
              ok: false,
              retryable: true,
              message: "nacked by the client",
              ...(frame.delayMs !== undefined ? { delayMs: frame.delayMs } : {}),
            })
          )
            fail(unknownDelivery(frame.deliveryId));
          return;
        case "reject":
          if (
            !settle(frame.deliveryId, {
              ok: false,
              retryable: false,
              message: `rejected by the client${frame.reason ? `: ${frame.reason}` : ""}`,
            })
          )
            fail(unknownDelivery(frame.deliveryId));
          return;
        case "ping":
          send({ type: "pong", at: new Date().toISOString() });
          return;
        case "pong":
          return;
      }
    });

    ws.on("close", () => {
      closed = true;
      if (stall) clearInterval(stall);
      clearInterval(heartbeat);
      clearInterval(sweep);
      for (const id of [...pending.keys()]) settle(id, { ok: false, gone: true });
      for (const id of [...joined.keys()]) leave(id);
    });
    ws.on("error", () => ws.terminate());
  }

  return {
    clients: () => connections.size,
    close() {
      for (const ws of connections) ws.close(1001, "server shutting down");
      wss.close();
    },
  };
}

/** `{"type":"ack","deliveryId":"…"}` exactly, with an id of the characters the server uses (so the text is the value). */
const ACK_FRAME = /^\{"type":"ack","deliveryId":"([\w:.-]{1,200})"\}$/;
const ACKS_START = '{"type":"ack","deliveryIds":["';
const DELIVERY_ID = /^[\w:.-]{1,200}$/;
const ACKED: DeliveryOutcome = { ok: true };

/**
 * The ids of the usual ack frames, in the form the client library sends them — one id, or a list of
 * them — read without a JSON parse; undefined for any other frame (parsed and checked in full).
 */
function ackedIds(text: string): string[] | undefined {
  const one = ACK_FRAME.exec(text);
  if (one) return [one[1] as string];
  if (!text.startsWith(ACKS_START) || !text.endsWith('"]}')) return undefined;
  const ids = text.slice(ACKS_START.length, -3).split('","');
  if (ids.length > 1000) return undefined;
  for (const id of ids) if (!DELIVERY_ID.test(id)) return undefined;
  return ids;
}

function unknownDelivery(id: string): AppError {
  return new AppError("NOT_FOUND", `No delivery ${id} is waiting for an answer on this connection`, {
    details: [{ field: "deliveryId", rule: "must be a delivery sent on this connection and not yet answered" }],
  });
}

/**
 * The `event` frames of one subscription on one connection, as JSON in parts: the event's JSON as
 * the reader made it from the stored bytes (or rendered, see `toJsonText`), placed in the frame
 * without being parsed and serialized again. The subscription's JSON is made once, and the tenant's
 * and replay id's once per run of deliveries that share them.
 */
export function eventFramer(subscription: string): (d: Delivery) => JsonParts {
  const start = `{"type":"event","subscription":${JSON.stringify(subscription)},"deliveryId":`;
  let tenant = "";
  let tenantJson = '""';
  let replayId: string | undefined;
  let replayJson = "";
  return (d) => {
    if (d.tenant !== tenant) {
      tenant = d.tenant;
      tenantJson = JSON.stringify(tenant);
    }
    if (d.replayId !== replayId) {
      replayId = d.replayId;
      replayJson = replayId ? `,"replayId":${JSON.stringify(replayId)}` : "";
    }
    const json = d.json ?? jsonParts(toJsonText(d.event), "");
    // the event's JSON is written as it is, after the frame's own fields (not copied into one string with them)
    const pre = `${start}${JSON.stringify(d.deliveryId)},"attempt":${d.attempt},"seq":${d.seq},"tenant":${tenantJson}${replayJson},"event":`;
    return jsonParts(json.head, `${json.tail}}`, json.data, pre, json.oneLine);
  };
}
