import { decodeUtf8, encodeUtf8 } from "./data";

/**
 * Header value encoding shared by the HTTP and NATS bindings (HTTP-B4 … HTTP-B8, NATS-8):
 * percent-encode space, '"', '%' and everything outside U+0021–U+007E as UTF-8 bytes, upper-case hex;
 * decode by unescaping a quoted-string first, then exactly one round of strict percent-decoding.
 */

const NEEDS_ENCODING = /[^\x21\x23\x24\x26-\x7E]/;
const HEX = "0123456789ABCDEF";

export function percentEncode(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  let out = "";
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x21 && cp <= 0x7e && cp !== 0x22 && cp !== 0x25) {
      out += ch;
      continue;
    }
    for (const b of encodeUtf8(ch)) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Only printable US-ASCII (and space, inside quoted strings) may appear in a header value. */
const NON_PRINTABLE = /[^\x20-\x7E]/;

/** Decodes one header value, or returns the rule it broke. */
export function decodeHeaderValue(raw: string): { ok: true; value: string } | { ok: false; rule: string } {
  if (NON_PRINTABLE.test(raw)) return { ok: false, rule: "must be printable US-ASCII; percent-encode other characters" };
  let v = raw;
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    v = v.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  if (!v.includes("%")) return { ok: true, value: v };
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = v.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, rule: "has a '%' that is not followed by two hex digits" };
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  const decoded = decodeUtf8(Uint8Array.from(bytes));
  if (decoded === undefined) return { ok: false, rule: "percent-encodes bytes that are not valid UTF-8" };
  return { ok: true, value: decoded };
}
