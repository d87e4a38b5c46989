import { describe, expect, it } from "vitest";
import { prng } from "../../testing/prng";
import {
  ATTRIBUTE_NAME,
  baseMediaType,
  checkInteger,
  checkMediaType,
  checkString,
  checkTimestamp,
  checkUri,
  checkUriReference,
  INT32_MAX,
  INT32_MIN,
  isJsonMediaType,
  isTextMediaType,
} from "./types";

describe("String (CORE-7)", () => {
  it.each([
    ["empty", ""],
    ["ASCII", "hello world ~!"],
    ["last printable ASCII", "\u007E"],
    ["first char after C1 controls", "\u00A0"],
    ["a proper surrogate pair (spec example)", "\uD800\uDEAD"],
    ["emoji", "😀 Euro €"],
    ["just below the FDD0 noncharacters", "\uFDCF"],
    ["just above the FDEF noncharacters", "\uFDF0"],
    ["replacement character", "\uFFFD"],
    ["highest plane-16 character", "\u{10FFFD}"],
  ])("CORE-7: accepts %s", (_name, v) => {
    expect(checkString(v)).toBeUndefined();
  });

  it.each([
    ["U+0000", "a\u0000b"],
    ["U+001F", "\u001F"],
    ["tab", "a\tb"],
    ["newline", "a\nb"],
    ["U+007F (DEL)", "\u007F"],
    ["U+0080", "\u0080"],
    ["U+009F", "\u009F"],
    ["an unpaired high surrogate", "a\uD800"],
    ["an unpaired low surrogate (spec example \\uDEAD)", "\uDEAD"],
    ["surrogates in the wrong order", "\uDEAD\uD800"],
    ["noncharacter U+FDD0", "\uFDD0"],
    ["noncharacter U+FDEF", "\uFDEF"],
    ["noncharacter U+FFFE", "\uFFFE"],
    ["noncharacter U+FFFF", "\uFFFF"],
    ["noncharacter U+1FFFE", "\u{1FFFE}"],
    ["noncharacter U+10FFFF", "\u{10FFFF}"],
  ])("CORE-7: rejects %s", (_name, v) => {
    expect(checkString(v)).toMatch(/control characters|noncharacters|surrogates/);
  });

  it("CORE-7: random strings built only from allowed code points are accepted", () => {
    const rnd = prng(7);
    const allowed = (cp: number) =>
      !(cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef)) &&
      (cp & 0xfffe) !== 0xfffe;
    for (let n = 0; n < 300; n++) {
      let s = "";
      const len = Math.floor(rnd() * 12);
      while (s.length < len) {
        const cp = rnd() < 0.5 ? Math.floor(rnd() * 0x100) : Math.floor(rnd() * 0x110000);
        if (allowed(cp)) s += String.fromCodePoint(cp);
      }
      expect(checkString(s), JSON.stringify(s)).toBeUndefined();
    }
  });
});

describe("Integer (CORE-6)", () => {
  it.each([0, 1, -1, 42, INT32_MAX, INT32_MIN])("CORE-6: accepts %d", (v) => {
    expect(checkInteger(v)).toBeUndefined();
  });

  it("CORE-6: the range is signed 32-bit, inclusive", () => {
    expect(INT32_MAX).toBe(2_147_483_647);
    expect(INT32_MIN).toBe(-2_147_483_648);
    expect(checkInteger(INT32_MAX + 1)).toMatch(/32-bit/);
    expect(checkInteger(INT32_MIN - 1)).toMatch(/32-bit/);
    expect(checkInteger(Number.MAX_SAFE_INTEGER)).toMatch(/32-bit/);
  });

  it.each([1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    "CORE-6/JSON-2: rejects the non-integer %d",
    (v) => {
      expect(checkInteger(v)).toMatch(/whole number/);
    },
  );
});

describe("URI (CORE-9, DS-1)", () => {
  it.each([
    "https://example.com/schemas/order.json",
    "http://example.com:8080/a/b?c=d&e=f",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "mailto:cncf-wg-serverless@lists.cncf.io",
    "tag:example.com,2020:thing",
    "http://[::1]/x",
    "http://example.com/caf%C3%A9",
    "http:",
  ])("CORE-9: accepts the absolute URI %s", (v) => {
    expect(checkUri(v)).toBeUndefined();
  });

  it.each([
    ["empty", ""],
    ["a relative path", "/schemas/order.json"],
    ["a network-path reference", "//example.com/x"],
    ["a bare word", "1-555-123-4567"],
    ["a fragment (absolute-URI has none)", "https://example.com/s.json#defs"],
    ["a raw space", "https://example.com/a b"],
    ["a bad percent escape", "https://example.com/%zz"],
    ["a scheme starting with a digit", "1http://x"],
    ["an empty scheme", ":x"],
    ["non-ASCII", "https://example.com/café"],
    ["a quote", 'https://example.com/"x"'],
  ])("CORE-9: rejects %s", (_name, v) => {
    expect(checkUri(v)).toMatch(/absolute URI/);
  });
});

describe("URI-reference (CORE-10, SRC-1)", () => {
  it.each([
    "https://github.com/cloudevents",
    "mailto:cncf-wg-serverless@lists.cncf.io",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "cloudevents/spec/pull/123",
    "/sensors/tn-1234567/alerts",
    "1-555-123-4567",
    "//host/path",
    "/a",
    "a",
    "./a:b",
    "?q=1",
    "#frag",
    "https://example.com/x#frag",
    "/caf%c3%a9",
  ])("CORE-10/SRC-1: accepts %s", (v) => {
    expect(checkUriReference(v)).toBeUndefined();
  });

  it.each([
    ["a raw space", "my source"],
    ["a first segment with ':' that is not a scheme", "1a:b"],
    ["an empty scheme", ":x"],
    ["a lone '%'", "/a%"],
    ["a bad percent escape", "/a%G0"],
    ["two '#'", "/a#b#c"],
    ["angle brackets", "<x>"],
    ["a backslash", "a\\b"],
    ["non-ASCII", "/café"],
    ["a control character", "/a\u0000"],
  ])("CORE-10: rejects %s", (_name, v) => {
    expect(checkUriReference(v)).toMatch(/URI-reference/);
  });
});

describe("Timestamp (CORE-11, TIME-1)", () => {
  it.each([
    "2018-04-05T17:31:00Z",
    "2018-04-05t17:31:00z",
    "2018-04-05T17:31:00.1Z",
    "2018-04-05T17:31:00.123456789+05:30",
    "2018-04-05T17:31:00-00:00",
    "2018-04-05T23:59:59-23:59",
    "2016-12-31T23:59:60Z",
    "2000-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2018-04-30T00:00:00Z",
    "2018-12-31T00:00:00Z",
  ])("TIME-1: accepts %s", (v) => {
    expect(checkTimestamp(v)).toBeUndefined();
  });

  it.each([
    ["no offset", "2018-04-05T17:31:00"],
    ["a date only", "2018-04-05"],
    ["an HTTP-date", "Thu, 05 Apr 2018 17:31:00 GMT"],
    ["a Unix time", "1522949460"],
    ["a space instead of T", "2018-04-05 17:31:00Z"],
    ["no seconds", "2018-04-05T17:31Z"],
    ["an empty fraction", "2018-04-05T17:31:00.Z"],
    ["an offset without a colon", "2018-04-05T17:31:00+0530"],
    ["an hour offset only", "2018-04-05T17:31:00+05"],
    ["February 30 (JS Date rolls it over)", "2018-02-30T00:00:00Z"],
    ["February 29 in a non-leap year", "2019-02-29T00:00:00Z"],
    ["February 29 in 1900 (not a leap year)", "1900-02-29T00:00:00Z"],
    ["April 31", "2018-04-31T00:00:00Z"],
    ["month 13", "2018-13-01T00:00:00Z"],
    ["month 00", "2018-00-10T00:00:00Z"],
    ["day 00", "2018-01-00T00:00:00Z"],
    ["hour 24", "2018-04-05T24:00:00Z"],
    ["minute 60", "2018-04-05T17:60:00Z"],
    ["second 61", "2018-04-05T17:31:61Z"],
    ["offset hour 24", "2018-04-05T17:31:00+24:00"],
    ["offset minute 60", "2018-04-05T17:31:00+05:60"],
    ["leading space", " 2018-04-05T17:31:00Z"],
    ["trailing newline", "2018-04-05T17:31:00Z\n"],
    ["a two-digit year", "18-04-05T17:31:00Z"],
    ["non-ASCII digits", "２018-04-05T17:31:00Z"],
  ])("TIME-1: rejects %s", (_name, v) => {
    expect(checkTimestamp(v)).toMatch(/RFC 3339/);
  });

  it("TIME-1: every real day of 2023 and 2024 is accepted, and the day after each month's end is not", () => {
    for (const year of [2023, 2024]) {
      for (let month = 1; month <= 12; month++) {
        const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
        const mm = String(month).padStart(2, "0");
        expect(checkTimestamp(`${year}-${mm}-${String(last).padStart(2, "0")}T00:00:00Z`)).toBeUndefined();
        expect(checkTimestamp(`${year}-${mm}-${String(last + 1).padStart(2, "0")}T00:00:00Z`)).toMatch(/no such date/);
      }
    }
  });

  it("CORE-12: every Date#toISOString() output is a valid RFC 3339 timestamp", () => {
    const rnd = prng(11);
    for (let n = 0; n < 200; n++) {
      const iso = new Date(Math.floor(rnd() * 4102444800000)).toISOString();
      expect(checkTimestamp(iso), iso).toBeUndefined();
    }
  });
});

describe("media types (DCT-1, JSON-7)", () => {
  it.each([
    "application/json",
    "APPLICATION/JSON",
    "text/plain; charset=utf-8",
    "text/plain;charset=UTF-8",
    "text/plain ; charset=utf-8",
    "application/cloudevents+json; charset=UTF-8",
    "application/vnd.api+json",
    'multipart/form-data; boundary="a b;c"',
    'text/plain; a="x\\"y"',
    'text/plain; a=""',
    "application/octet-stream",
  ])("DCT-1: accepts %s", (v) => {
    expect(checkMediaType(v)).toBeUndefined();
  });

  it.each([
    ["empty", ""],
    ["no subtype", "json"],
    ["an empty subtype", "text/"],
    ["an empty type", "/plain"],
    ["a trailing ';'", "text/plain;"],
    ["a space instead of '/'", "text plain"],
    ["a parameter without value", "text/plain; charset"],
    ["a parameter with an empty value", "text/plain; charset="],
    ["an unterminated quoted string", 'text/plain; a="x'],
    ["a parameter value with a space", "text/plain; a=b c"],
    ["leading whitespace", " text/plain"],
    ["a trailing newline", "text/plain\n"],
    ["a trailing line separator U+2028", "text/plain\u2028"],
    ["a trailing no-break space", "text/plain\u00A0"],
    ["a control character in a quoted string", 'text/plain; a="\u0001"'],
    ["non-ASCII in a quoted string", 'text/plain; a="é"'],
    ["a newline in a quoted string", 'text/plain; a="x\ny"'],
  ])("DCT-1: rejects %s", (_name, v) => {
    expect(checkMediaType(v)).toMatch(/media type/);
  });

  it("baseMediaType strips parameters and lower-cases", () => {
    expect(baseMediaType("Application/JSON ; charset=utf-8")).toBe("application/json");
    expect(baseMediaType("text/plain")).toBe("text/plain");
  });

  it.each([
    "application/json",
    "text/json",
    "APPLICATION/JSON",
    "application/json; charset=utf-8",
    "application/vnd.foo+json",
    "application/cloudevents+json",
    "application/x+JSON; a=b",
  ])("JSON-7: %s declares JSON data", (v) => {
    expect(isJsonMediaType(v)).toBe(true);
  });

  it("JSON-7/DCT-2: an absent content type means application/json", () => {
    expect(isJsonMediaType(undefined)).toBe(true);
  });

  it.each(["application/jsonx", "application/json-seq", "text/plain", "application/octet-stream", "application/xml", "json"])(
    "JSON-7: %s does not declare JSON data",
    (v) => {
      expect(isJsonMediaType(v)).toBe(false);
    },
  );

  it("JSON-9: text media types (rendered as a data string) are text/*, XML and form data", () => {
    for (const t of [
      "text/plain",
      "TEXT/CSV; charset=utf-8",
      "application/xml",
      "image/svg+xml",
      "application/x-www-form-urlencoded",
    ]) {
      expect(isTextMediaType(t), t).toBe(true);
    }
    for (const t of [undefined, "application/octet-stream", "image/png", "application/json"]) {
      expect(isTextMediaType(t), String(t)).toBe(false);
    }
  });
});

describe("attribute names (CORE-3)", () => {
  it.each(["id", "lunch", "a1", "123", "averyveryverylongattributename"])("CORE-3: %s is a valid name", (v) => {
    expect(ATTRIBUTE_NAME.test(v)).toBe(true);
  });

  it.each(["", "Lunch", "LUNCH", "lun-ch", "lun_ch", "lun.ch", "lünch", "a b", "data_base64"])(
    "CORE-3: %j is not a valid name",
    (v) => {
      expect(ATTRIBUTE_NAME.test(v)).toBe(false);
    },
  );
});
