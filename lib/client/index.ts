import type { z } from "zod";
import { ApiError, apiErrorFrom } from "../api-client";
import {
  type CloudEventJson,
  type PublishBatchResultDto,
  type PublishResultDto,
  publishBatchResultSchema,
  publishResultSchema,
} from "../contracts/events";
import {
  type AdHocFilter,
  type EventHandler,
  type EventSubscription,
  openSubscription,
  type SubscribeOptions,
} from "./subscription";
import { globalWebSocket, type WebSocketConstructor } from "./websocket";

export { ApiError } from "../api-client";
export type { CloudEventJson, PublishBatchResultDto, PublishResultDto } from "../contracts/events";
export { RejectError, RetryLaterError } from "./errors";
export type {
  AdHocFilter,
  DeliveryInfo,
  EventHandler,
  EventSubscription,
  ReconnectOptions,
  SubscribeOptions,
  SubscriptionState,
} from "./subscription";
export { reconnectDelayMs } from "./subscription";
export type { WebSocketConstructor, WebSocketLike } from "./websocket";

export interface EventBusClientOptions {
  /** Where the API is, e.g. `https://bus.internal` (the WebSocket URL is derived: `wss://…/api/ws`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` (on the WebSocket handshake too, where the constructor allows headers). */
  apiKey?: string;
  /** The WebSocket constructor. @default globalThis.WebSocket (browsers, Node ≥ 22); in Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** An event to publish: `specversion` defaults to "1.0" and `id` to a random UUID (pass your own to make retries idempotent). */
export interface PublishableEvent {
  specversion?: "1.0";
  id?: string;
  source: string;
  type: string;
  datacontenttype?: string;
  dataschema?: string;
  subject?: string;
  time?: string;
  data?: unknown;
  data_base64?: string;
  [extension: string]: unknown;
}

export interface EventBusClient {
  /** Publishes one event (structured mode). Throws `ApiError` on a non-2xx answer. */
  publish(event: PublishableEvent, init?: { signal?: AbortSignal }): Promise<PublishResultDto>;
  /** Publishes events atomically (batch mode): all are stored or, on a `400`, none. */
  publishBatch(events: PublishableEvent[], init?: { signal?: AbortSignal }): Promise<PublishBatchResultDto>;
  /**
   * Receives a durable subscription's events (by id) or an ad-hoc filter's over `/api/ws`, one
   * connection per call, reconnecting and re-subscribing until `close()`.
   */
  subscribe(target: string | AdHocFilter, handler: EventHandler, options?: SubscribeOptions): EventSubscription;
}

function toCloudEvent(e: PublishableEvent): CloudEventJson {
  return { ...e, specversion: e.specversion ?? "1.0", id: e.id ?? globalThis.crypto.randomUUID() };
}

/** A typed client for services: publish over HTTP, subscribe over WebSocket. */
export function createEventBusClient(options: EventBusClientOptions): EventBusClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  // called as a plain function: browsers refuse `fetch` called as a method of another object
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};

  async function post<T extends z.ZodType>(
    path: string,
    contentType: string,
    body: string,
    schema: T,
    signal?: AbortSignal,
  ): Promise<z.infer<T>> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method: "POST",
        headers: { "content-type": contentType, accept: "application/json", ...auth },
        body,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (e instanceof Error && e.name === "AbortError") throw e;
      throw new ApiError(0, "UNAVAILABLE", `The event bus at ${base} could not be reached`, [], { cause: e });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw apiErrorFrom(res.status, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(res.status, "INTERNAL", `Unexpected answer from ${path}: ${parsed.error.message}`);
    return parsed.data;
  }

  return {
    publish(event, init) {
      return post(
        "/api/events",
        "application/cloudevents+json",
        JSON.stringify(toCloudEvent(event)),
        publishResultSchema,
        init?.signal,
      );
    },

    publishBatch(events, init) {
      return post(
        "/api/events",
        "application/cloudevents-batch+json",
        JSON.stringify(events.map(toCloudEvent)),
        publishBatchResultSchema,
        init?.signal,
      );
    },

    subscribe(target, handler, subscribeOptions) {
      const WebSocket = options.WebSocket ?? globalWebSocket();
      if (!WebSocket) {
        throw new TypeError("No WebSocket here: pass one in the options (in Node 20: `WebSocket` from the `ws` package)");
      }
      return openSubscription({
        url: `${base.replace(/^http/i, "ws")}/api/ws`,
        ...(options.apiKey ? { headers: auth } : {}),
        WebSocket,
        target,
        handler,
        ...(subscribeOptions ? { options: subscribeOptions } : {}),
      });
    },
  };
}
