/** Longest key looked up: the key is part of a subject, which must fit the server's 4 KiB control line. */
export const MAX_KV_KEY_LENGTH = 1024;

/**
 * Whether a string is a valid NATS KV key (the rule nats.js enforces, plus no empty subject token
 * and a bounded length). Ids from a URL can be anything: nats.js throws on an invalid key (a 500
 * instead of a 404), and a key too long for a subject makes the NATS server close the connection
 * ("maximum control line exceeded") — every request in flight then fails.
 */
export function isKvKey(key: string): boolean {
  return (
    key.length <= MAX_KV_KEY_LENGTH &&
    /^[-/=.\w]+$/.test(key) &&
    !key.startsWith(".") &&
    !key.endsWith(".") &&
    !key.includes("..")
  );
}
