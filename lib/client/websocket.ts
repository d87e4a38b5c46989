/**
 * The part of the WHATWG WebSocket the client uses, so that the browser's, Node 22's global one and
 * the `ws` package's (Node 20) all fit.
 */

/** A listener type checked bivariantly, as DOM and `ws` event types differ in what else they carry. */
type Listener<E> = { bivarianceHack(event: E): void }["bivarianceHack"];

export interface WebSocketLike {
  readonly readyState: number;
  onopen: Listener<unknown> | null;
  onmessage: Listener<{ data: unknown }> | null;
  onclose: Listener<{ code: number; reason: string }> | null;
  onerror: Listener<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor. The third argument is what `ws` takes for handshake headers (the API key);
 * browsers ignore it (they cannot send headers on the handshake).
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike;

export const WS_OPEN = 1;

/** The global WebSocket (browsers, Node ≥ 22), if there is one. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  const g = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof g === "function" ? (g as WebSocketConstructor) : undefined;
}
