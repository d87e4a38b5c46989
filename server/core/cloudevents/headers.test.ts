import { describe, expect, it } from "vitest";
import { prng } from "../../testing/prng";
import { decodeHeaderValue, percentEncode } from "./headers";

/** A random well-formed Unicode string (no lone surrogates), biased towards the interesting characters. */
function randomString(rnd: () => number, max = 16): string {
  const special = [" ", '"', "%", "\\", "~", ".", "*", ">", "\u0000", "\t", "\u007F", "\u0080", "é", "€", "😀", "\uFEFF", "%41"];
  let s = "";
  for (let i = Math.floor(rnd() * (max + 1)); i > 0; i--) {
    const r = rnd();
    if (r < 0.3) s += special[Math.floor(rnd() * special.length)];
    else if (r < 0.7) s += String.fromCharCode(0x20 + Math.floor(rnd() * 95));
    else {
      let cp = Math.floor(rnd() * 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
      s += String.fromCodePoint(cp);
    }
  }
  return s;
}

function decoded(raw: string): string {
  const r = decodeHeaderValue(raw);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(raw)} to decode, got ${r.rule}`);
  return r.value;
}

function rejected(raw: string): string {
  const r = decodeHeaderValue(raw);
  if (r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got ${JSON.stringify(r.value)}`);
  return r.rule;
}

describe("percent-encoding (HTTP-B4, HTTP-B5, NATS-8)", () => {
  it("HTTP-B5: the spec's example 'Euro € 😀'", () => {
    expect(percentEncode("Euro € 😀")).toBe("Euro%20%E2%82%AC%20%F0%9F%98%80");
  });

  it.each([
    ["space", " ", "%20"],
    ["double quote", '"', "%22"],
    ["percent", "%", "%25"],
    ["U+0000", "\u0000", "%00"],
    ["tab", "\t", "%09"],
    ["U+001F", "\u001F", "%1F"],
    ["DEL U+007F", "\u007F", "%7F"],
    ["U+0080", "\u0080", "%C2%80"],
    ["é", "é", "%C3%A9"],
    ["BOM", "\uFEFF", "%EF%BB%BF"],
  ])("HTTP-B5: %s is percent-encoded as UTF-8 bytes", (_name, v, enc) => {
    expect(percentEncode(v)).toBe(enc);
  });

  it("HTTP-B5: a surrogate pair is one character (4 UTF-8 bytes, not two 3-byte surrogates)", () => {
    expect(percentEncode("\uD83D\uDE00")).toBe("%F0%9F%98%80");
  });

  it("HTTP-B5: printable ASCII other than space, '\"' and '%' is left alone", () => {
    let all = "";
    for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x22 && c !== 0x25) all += String.fromCharCode(c);
    expect(percentEncode(all)).toBe(all);
  });

  it("HTTP-B5: hex digits are upper-case", () => {
    expect(percentEncode("\u00FF\u00AB")).toBe("%C3%BF%C2%AB");
    expect(percentEncode("\u00FF\u00AB")).not.toMatch(/%[0-9A-F]?[a-f]/);
  });

  it("HTTP-B4: the encoding of any string is printable US-ASCII without space or '\"'", () => {
    const rnd = prng(1);
    for (let n = 0; n < 500; n++) {
      const enc = percentEncode(randomString(rnd));
      expect(enc).toMatch(/^[\x21\x23-\x7E]*$/);
      // every '%' starts an escape (nothing is left half-encoded)
      expect(enc).not.toMatch(/%(?![0-9A-F]{2})/);
    }
  });
});

describe("header value decoding (HTTP-B6, HTTP-B7, HTTP-B8, NATS-8)", () => {
  it("HTTP-B6: the spec's example decodes", () => {
    expect(decoded("Euro%20%E2%82%AC%20%F0%9F%98%80")).toBe("Euro € 😀");
  });

  it("HTTP-B6: a value without '%' is returned as is", () => {
    expect(decoded("com.example.someevent")).toBe("com.example.someevent");
    expect(decoded("")).toBe("");
  });

  it("HTTP-B6: double-quoted values are supported (older senders did not encode spaces)", () => {
    expect(decoded('"hello world"')).toBe("hello world");
    expect(decoded('""')).toBe("");
  });

  it("HTTP-B6: backslash escapes inside a quoted string are processed", () => {
    expect(decoded('"say \\"hi\\""')).toBe('say "hi"');
    expect(decoded('"a\\\\b"')).toBe("a\\b");
    expect(decoded('"\\x"')).toBe("x");
  });

  it("HTTP-B6: the quoted string is unescaped first, then percent-decoded once", () => {
    expect(decoded('"%41 %22"')).toBe('A "');
    expect(decoded('"100\\%25"')).toBe("100%");
    expect(decoded('"%C3%A9"')).toBe("é");
  });

  it("HTTP-B6: exactly one round of percent-decoding", () => {
    expect(decoded("%2541")).toBe("%41");
    expect(decoded("%252541")).toBe("%2541");
  });

  it("HTTP-B6: a lone or inner double quote is not a quoted string", () => {
    expect(decoded('"')).toBe('"');
    expect(decoded('a"b')).toBe('a"b');
  });

  it("HTTP-B7: lower-case hex digits are accepted", () => {
    expect(decoded("Euro%20%e2%82%ac%20%f0%9f%98%80")).toBe("Euro € 😀");
    expect(decoded("%c3%A9")).toBe("é");
  });

  it("HTTP-B8: unnecessarily percent-encoded characters are accepted", () => {
    expect(decoded("%63%6F%6D%2E%65%78")).toBe("com.ex");
    expect(decoded("a%2Db")).toBe("a-b");
  });

  it("HTTP-B8: rejects overlong UTF-8 %C0%A0 (the spec's example)", () => {
    expect(rejected("%C0%A0")).toMatch(/UTF-8/);
  });

  it.each([
    ["a lone continuation byte", "%80"],
    ["a truncated 2-byte sequence", "a%C3"],
    ["a truncated 3-byte sequence", "%E2%82"],
    ["an overlong 3-byte NUL", "%E0%80%80"],
    ["an overlong 2-byte '/'", "%C0%AF"],
    ["an encoded surrogate U+D800", "%ED%A0%80"],
    ["a code point above U+10FFFF", "%F4%90%80%80"],
    ["byte 0xFF", "%FF"],
    ["byte 0xFE", "%FE"],
    ["lower-case overlong", "%c0%a0"],
    ["invalid UTF-8 inside a quoted string", '"%C0%A0"'],
  ])("HTTP-B8: rejects invalid UTF-8: %s", (_name, raw) => {
    expect(rejected(raw)).toMatch(/UTF-8/);
  });

  it("HTTP-B8: a byte order mark is decoded, not dropped", () => {
    expect(decoded("%EF%BB%BFx")).toBe("\uFEFFx");
  });

  it.each(["%", "100%", "%4", "%G1", "%%41", "%x41"])(
    "a '%%' not followed by two hex digits (%j) is rejected (the spec leaves it open)",
    (raw) => {
      expect(rejected(raw)).toMatch(/two hex digits/);
    },
  );

  it.each([
    ["a raw non-ASCII character", "café"],
    ["a tab", "a\tb"],
    ["a NUL", "a\u0000"],
    ["a newline", "a\nb"],
    ["DEL", "\u007F"],
  ])("HTTP-B4: a raw value with %s is rejected", (_name, raw) => {
    expect(rejected(raw)).toMatch(/printable US-ASCII/);
  });
});

describe("round trips (property style)", () => {
  it("HTTP-B5/HTTP-B6: decodeHeaderValue(percentEncode(s)) === s for random strings", () => {
    const rnd = prng(2024);
    for (let n = 0; n < 1000; n++) {
      const s = randomString(rnd);
      expect(decoded(percentEncode(s)), JSON.stringify(s)).toBe(s);
    }
  });

  it("HTTP-B7: lower-casing the hex digits of an encoding decodes to the same string", () => {
    const rnd = prng(5);
    for (let n = 0; n < 300; n++) {
      const s = randomString(rnd);
      const lower = percentEncode(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
      expect(decoded(lower)).toBe(s);
    }
  });

  it("HTTP-B8: over-encoding every character still decodes to the same string", () => {
    const rnd = prng(6);
    for (let n = 0; n < 300; n++) {
      const s = randomString(rnd);
      const all = Array.from(new TextEncoder().encode(s), (b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");
      expect(decoded(all)).toBe(s);
    }
  });

  it("HTTP-B6: the quoted-string form of any printable ASCII value decodes to the value", () => {
    const rnd = prng(8);
    for (let n = 0; n < 300; n++) {
      let s = "";
      for (let i = Math.floor(rnd() * 12); i > 0; i--) s += String.fromCharCode(0x20 + Math.floor(rnd() * 95));
      const noPercent = s.replaceAll("%", "");
      const quoted = `"${noPercent.replace(/["\\]/g, "\\$&")}"`;
      expect(decoded(quoted)).toBe(noPercent);
    }
  });
});
