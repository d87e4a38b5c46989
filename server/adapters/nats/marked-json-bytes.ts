import { CORE_ORDER, DATA_KIND_HEADER } from "../../core/cloudevents/nats";
import { sameBytes } from "./bytes";

/**
 * The JSON format of a message the bus wrote, made byte for byte from its raw header block and
 * payload: no header strings, no attribute list, no parts — the reading thread's path for the
 * common case. It writes what `markedJson(readMarked(parseHeaderBlock(block)), payload)` written
 * out by `writeJsonParts` would, or nothing (-1) where that could differ or needs decoding; the
 * caller then takes that general path. Taken here: `ce-` names in lower case, each once; values of
 * printable ASCII as NATS writes them (`Name: value`) with nothing to escape in JSON (no `"` or `\`),
 * percent-escapes (a space: `%20`) decoded where they stand for such a character;
 * `Anumate-Data` json or none; no `Anumate-Ext-Types` or `Content-Type` header.
 * Other headers (`Nats-Msg-Id`, …) are not attributes and are passed over.
 */
export class MarkedJsonWriter {
  /** Where the `type` value of the event last written is in `out` (decoded, in its JSON). */
  typeStart = 0;
  typeEnd = 0;
  /** Per core attribute (CORE_ORDER): where its value starts and ends in the block; -1: absent. */
  private readonly core = new Int32Array(2 * CORE_ORDER.length);
  /** Per extension, in header order: where its name (after `ce-`) and its value start and end. */
  private readonly ext = new Int32Array(4 * MAX_EXTENSIONS);

  /**
   * Copies the message as received — `raw`: its header block (the first `headerLength` bytes), then
   * its payload — into `out` at `at`, writes the event's JSON right after it (on one line: the
   * data's line breaks made spaces) and returns where that ends; -1 when the message is not one this
   * path takes (nothing usable is written). `out` must have room for twice `raw` from `at`: the JSON
   * is never longer than the message (each `ce-name: value\r\n` line is a byte longer than its
   * `,"name":"value"`). The payload is copied within `out`: no view of it is made.
   */
  write(raw: Uint8Array, headerLength: number, out: Buffer, at: number): number {
    const core = this.core;
    const ext = this.ext;
    core.fill(-1);
    let exts = 0;
    let kind = 0;
    const block = raw;
    const n = headerLength;
    let i = 0;
    while (i < n && block[i] !== CR) i++; // the first line: NATS/1.0
    if (i + 1 >= n || block[i + 1] !== LF) return -1;
    i += 2;
    for (;;) {
      if (i + 1 >= n) return -1; // no blank line ends the block
      if (block[i] === CR) {
        // the blank line ends the block: nothing may follow it
        if (block[i + 1] !== LF || i + 2 !== n) return -1;
        break;
      }
      const s = i;
      // the name, to the colon (a line without one is no header: parseHeaderBlock passes over it too)
      let colon = i;
      while (colon < n && block[colon] !== COLON && block[colon] !== CR) colon++;
      if (colon >= n) return -1;
      const len = colon - s;
      const c0 = block[s] as number;
      const named = block[colon] === COLON && len > 0;
      const ce = named && len >= 3 && (c0 | 0x20) === 0x63 && ((block[s + 1] as number) | 0x20) === 0x65 && block[s + 2] === 0x2d;
      let digits = true;
      let e = colon;
      if (ce) {
        // ce-: the general path for other cases (Ce-, CE-), names in upper case, values to decode or escape
        if (c0 !== 0x63 || block[s + 1] !== 0x65 || len < 4) return -1;
        for (let k = s + 3; k < colon; k++) {
          const c = block[k] as number;
          if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c || (c >= 0x41 && c <= 0x5a)) return -1;
          if (c < 0x30 || c > 0x39) digits = false;
        }
        e = plainValueEnd(block, colon, n);
        if (e < 0) return -1;
      } else while (e < n && block[e] !== CR) e++;
      if (e + 1 >= n || block[e + 1] !== LF) return -1;
      i = e + 2;
      if (!named) continue;
      if (ce) {
        const slot = coreSlot(block, s + 3, colon);
        if (slot >= 0) {
          if ((core[2 * slot] as number) >= 0) return -1; // named twice
          if (
            slot === 0 &&
            !(e - colon === 5 && block[colon + 2] === 0x31 && block[colon + 3] === 0x2e && block[colon + 4] === 0x30)
          )
            return -1; // specversion other than 1.0
          core[2 * slot] = colon + 2;
          core[2 * slot + 1] = e;
          continue;
        }
        // an extension named by digits only comes first in a JS object's members: the general path orders them
        if (digits || exts === MAX_EXTENSIONS) return -1;
        for (let x = 0; x < exts; x++)
          if (sameBytes(block, ext[4 * x] as number, ext[4 * x + 1] as number, block, s + 3, colon)) return -1;
        ext[4 * exts] = s + 3;
        ext[4 * exts + 1] = colon;
        ext[4 * exts + 2] = colon + 2;
        ext[4 * exts + 3] = e;
        exts++;
      } else if (len === 12 && sameAscii(block, s, DATA_KIND, false)) {
        if (kind !== 0 || e - colon !== 6 || block[colon + 1] !== 0x20) return -1;
        if (sameAscii(block, colon + 2, JSON_KIND, false)) kind = KIND_JSON;
        else if (sameAscii(block, colon + 2, NONE_KIND, false)) kind = KIND_NONE;
        else return -1; // text and binary data: the general path (escaped, base64)
      } else if (
        (len === 12 && (sameAscii(block, s, DATA_KIND_LOWER, true) || sameAscii(block, s, CONTENT_TYPE, true))) ||
        (len === 17 && sameAscii(block, s, EXT_TYPES, true))
      ) {
        return -1; // another spelling of the data kind, a Content-Type, typed extensions: the general path
      }
    }
    // the required attributes (the data kind marks it as the bus's own)
    if (kind === 0 || core[0] === -1 || core[2] === -1 || core[4] === -1 || core[6] === -1) return -1;
    out.set(raw, at);
    let o = at + raw.length;
    out[o++] = 0x7b; // {
    for (let slot = 0; slot < CORE_ORDER.length; slot++) {
      const v0 = core[2 * slot] as number;
      if (v0 < 0) continue;
      o = copy(CORE_KEYS[slot] as Uint8Array, 0, (CORE_KEYS[slot] as Uint8Array).length, out, o);
      if (slot === 3) this.typeStart = o;
      o = copyValue(block, v0, core[2 * slot + 1] as number, out, o);
      if (slot === 3) this.typeEnd = o;
      out[o++] = 0x22;
    }
    for (let x = 0; x < exts; x++) {
      out[o++] = 0x2c; // ,"name":"value"
      out[o++] = 0x22;
      o = copy(block, ext[4 * x] as number, ext[4 * x + 1] as number, out, o);
      out[o++] = 0x22;
      out[o++] = 0x3a;
      out[o++] = 0x22;
      o = copyValue(block, ext[4 * x + 2] as number, ext[4 * x + 3] as number, out, o);
      out[o++] = 0x22;
    }
    const size = raw.length - headerLength;
    if (kind === KIND_JSON && size > 0) {
      o = copy(DATA_KEY, 0, DATA_KEY.length, out, o);
      out.copyWithin(o, at + headerLength, at + raw.length);
      // line breaks made spaces (JSON whitespace; never part of a longer UTF-8 sequence), found in the payload alone
      const shift = o - headerLength;
      for (const nl of LINE_BREAKS)
        for (let k = raw.indexOf(nl, headerLength); k >= 0; k = raw.indexOf(nl, k + 1)) out[shift + k] = 0x20;
      o += size;
    }
    out[o++] = 0x7d; // }
    return o;
  }
}

/** More extensions than this: the general path. */
const MAX_EXTENSIONS = 32;
const KIND_JSON = 1;
const KIND_NONE = 2;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const LINE_BREAKS = [0x0a, 0x0d];

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const CORE_NAMES = CORE_ORDER.map(ascii);
/** `"specversion":"`, then `,"id":"` …: the first member (specversion is required) has no comma. */
const CORE_KEYS = CORE_ORDER.map((name, i) => ascii(`${i > 0 ? "," : ""}"${name}":"`));
const DATA_KEY = ascii(',"data":');
const DATA_KIND = ascii(DATA_KIND_HEADER);
const DATA_KIND_LOWER = ascii(DATA_KIND_HEADER.toLowerCase());
const JSON_KIND = ascii("json");
const NONE_KIND = ascii("none");
const CONTENT_TYPE = ascii("content-type");
const EXT_TYPES = ascii("anumate-ext-types");

/**
 * Where the line of the header whose colon is at `colon` ends (its CR), if its value is as
 * parseHeaderBlock reads it without trimming (one space, no space at either end) and as it decodes
 * (`decodeHeaderValue`) printable ASCII with nothing to escape in JSON: no `"` or `\`, each `%` two
 * hex digits of such a character. Else -1. Checked as the line's end is searched for: one pass.
 */
function plainValueEnd(b: Uint8Array, colon: number, n: number): number {
  let k = colon + 2;
  if (b[colon + 1] !== 0x20 || k >= n || b[k] === 0x20 || b[k] === CR) return -1;
  for (; k < n; k++) {
    let c = b[k] as number;
    if (c === CR) break;
    if (c === 0x25) {
      c = 16 * hex(b[k + 1] as number) + hex(b[k + 2] as number);
      k += 2;
    }
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
  }
  return k < n && b[k - 1] !== 0x20 ? k : -1;
}

/** A hex digit's value; 256 (no character) for any other byte. */
function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : 256;
}

/** Copies a value `plainValueEnd` took, its percent-escapes decoded; returns where it ends. */
function copyValue(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  for (let k = from; k < to; k++) {
    const c = src[k] as number;
    if (c === 0x25) {
      out[at++] = 16 * hex(src[k + 1] as number) + hex(src[k + 2] as number);
      k += 2;
    } else out[at++] = c;
  }
  return at;
}

/** The core attribute named by the bytes from `s` to `e`, as its index in CORE_ORDER; -1 for an extension. */
function coreSlot(b: Uint8Array, s: number, e: number): number {
  const candidates = SLOTS_BY_LENGTH[e - s];
  if (candidates === undefined) return -1;
  for (const slot of candidates) if (sameAscii(b, s, CORE_NAMES[slot] as Uint8Array, false)) return slot;
  return -1;
}

/** Core attributes by the length of their names (type and time share one). */
const SLOTS_BY_LENGTH: number[][] = [];
for (const [slot, name] of CORE_ORDER.entries()) {
  const same = SLOTS_BY_LENGTH[name.length] ?? [];
  same.push(slot);
  SLOTS_BY_LENGTH[name.length] = same;
}

/** The bytes at `s` are `word` (`fold`: ASCII letters in either case; `word` in lower case). */
function sameAscii(b: Uint8Array, s: number, word: Uint8Array, fold: boolean): boolean {
  if (!fold) {
    for (let k = 0; k < word.length; k++) if (b[s + k] !== word[k]) return false;
    return true;
  }
  for (let k = 0; k < word.length; k++) {
    const c = b[s + k] as number;
    const w = word[k] as number;
    if (c !== w && !(w >= 0x61 && w <= 0x7a && (c | 0x20) === w)) return false;
  }
  return true;
}

/** Copies bytes `from`–`to` of `src` to `out` at `at`; returns where they end (a loop: most are a few bytes). */
function copy(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  if (to - from > 64) {
    out.set(src.subarray(from, to), at);
    return at + to - from;
  }
  for (let k = from; k < to; k++) out[at++] = src[k] as number;
  return at;
}
