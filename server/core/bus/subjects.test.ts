import { describe, expect, it } from "vitest";
import { prng } from "../../testing/prng";
import { escapeToken, eventSubject, parseEventSubject, subjectFilter, typePatternRule, unescapeToken } from "./subjects";

/** A random well-formed Unicode string (no lone surrogates), heavy on characters NATS treats specially. */
function randomString(rnd: () => number, max = 12): string {
  const special = [".", "*", ">", "~", " ", "\t", "\u0000", "%", "é", "😀", "~7E", "-", "_", "A", "z", "9", "$", "/"];
  let s = "";
  for (let i = Math.floor(rnd() * (max + 1)); i > 0; i--) {
    const r = rnd();
    if (r < 0.5) s += special[Math.floor(rnd() * special.length)];
    else if (r < 0.8) s += String.fromCharCode(0x20 + Math.floor(rnd() * 95));
    else {
      let cp = Math.floor(rnd() * 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
      s += String.fromCodePoint(cp);
    }
  }
  return s;
}

/** NATS subject matching: '*' is one token, '>' (last) is one or more tokens. */
function natsMatch(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (f[i] !== "*" && f[i] !== s[i]) return false;
  }
  return f.length === s.length;
}

/** The intended meaning of a type pattern, on the unescaped type. */
function typeMatches(pattern: string, type: string): boolean {
  return natsMatch(pattern, type);
}

/** A valid NATS subject token: no separators, wildcards or whitespace, and not empty. */
const NATS_TOKEN = /^[A-Za-z0-9_~-]+$/;

describe("escapeToken / unescapeToken", () => {
  it.each([
    ["abc", "abc"],
    ["A-Z_0-9", "A-Z_0-9"],
    ["", "~"],
    ["~", "~7E"],
    [".", "~2E"],
    ["*", "~2A"],
    [">", "~3E"],
    [" ", "~20"],
    ["a.b", "a~2Eb"],
    ["é", "~C3~A9"],
    ["😀", "~F0~9F~98~80"],
    ["\u0000", "~00"],
  ])("escapes %j as %j", (raw, escaped) => {
    expect(escapeToken(raw)).toBe(escaped);
    expect(unescapeToken(escaped)).toBe(raw);
  });

  it("uses upper-case hex", () => {
    expect(escapeToken("\u00FF")).toBe("~C3~BF");
  });

  it("every escaped token is a valid, non-empty NATS token", () => {
    const rnd = prng(1);
    for (let n = 0; n < 1000; n++) expect(escapeToken(randomString(rnd))).toMatch(NATS_TOKEN);
  });

  it("round-trips random strings: unescapeToken(escapeToken(s)) === s", () => {
    const rnd = prng(2);
    for (let n = 0; n < 2000; n++) {
      const s = randomString(rnd);
      expect(unescapeToken(escapeToken(s)), JSON.stringify(s)).toBe(s);
    }
  });

  it("is injective: different strings never share an escaped token", () => {
    const rnd = prng(3);
    const seen = new Map<string, string>();
    for (let n = 0; n < 2000; n++) {
      const s = randomString(rnd, 4);
      const e = escapeToken(s);
      const prev = seen.get(e);
      if (prev !== undefined) expect(prev).toBe(s);
      seen.set(e, s);
    }
    expect(escapeToken("~")).not.toBe(escapeToken(""));
    expect(escapeToken("~7E")).not.toBe(escapeToken("~"));
  });

  it("unescapeToken accepts lower-case hex", () => {
    expect(unescapeToken("~c3~a9")).toBe("é");
  });

  it("unescapeToken rejects escapes that are not UTF-8", () => {
    expect(() => unescapeToken("~C0~A0")).toThrow();
  });
});

describe("eventSubject / parseEventSubject", () => {
  it("maps tenant and type to <prefix>.<tenant>.<type tokens>", () => {
    expect(eventSubject("events", "acme", "com.anumate.capsule.created")).toBe("events.acme.com.anumate.capsule.created");
  });

  it("a tenant is one token (its dots are escaped); a type's dots separate tokens", () => {
    expect(eventSubject("events", "a.b", "x.y")).toBe("events.a~2Eb.x.y");
    expect(eventSubject("events", "t", "a..b")).toBe("events.t.a.~.b");
    expect(eventSubject("events", "t", ".")).toBe("events.t.~.~");
  });

  it("wildcard characters in a type are escaped, never wildcards", () => {
    expect(eventSubject("events", "t", "a.*.>")).toBe("events.t.a.~2A.~3E");
  });

  it("parses back what it made", () => {
    expect(parseEventSubject("events", "events.acme.com.anumate.capsule.created")).toEqual({
      tenant: "acme",
      type: "com.anumate.capsule.created",
    });
  });

  it("round-trips random tenants and types", () => {
    const rnd = prng(4);
    for (let n = 0; n < 1000; n++) {
      const tenant = randomString(rnd);
      const type = randomString(rnd, 20) || "t";
      const subject = eventSubject("events", tenant, type);
      for (const tok of subject.split(".")) expect(tok).toMatch(NATS_TOKEN);
      expect(parseEventSubject("events", subject)).toEqual({ tenant, type });
    }
  });

  it("returns undefined for subjects that are not event subjects", () => {
    expect(parseEventSubject("events", "other.acme.x")).toBeUndefined();
    expect(parseEventSubject("events", "eventsx.acme.x")).toBeUndefined();
    expect(parseEventSubject("events", "events.acme")).toBeUndefined();
    expect(parseEventSubject("events", "events")).toBeUndefined();
    expect(parseEventSubject("events", "events.acme.~C0~A0")).toBeUndefined();
  });

  it("works with a multi-token prefix", () => {
    const s = eventSubject("bus.events", "t", "a.b");
    expect(s).toBe("bus.events.t.a.b");
    expect(parseEventSubject("bus.events", s)).toEqual({ tenant: "t", type: "a.b" });
  });
});

describe("typePatternRule", () => {
  it.each(["a", "a.b", "a.b.*", "a.b.>", "*", ">", "*.b", "a.*.c", "*.*.>", "com.example-x_y"])("%s is a valid pattern", (p) => {
    expect(typePatternRule(p)).toBeUndefined();
  });

  it.each([
    ["", /empty/],
    ["a.>.b", /last token/],
    [">.a", /last token/],
    ["a*", /whole tokens/],
    ["a.b*.c", /whole tokens/],
    ["a.>x", /whole tokens/],
    ["a.**", /whole tokens/],
    ["x".repeat(257), /256/],
  ])("%j is rejected", (p, rule) => {
    expect(typePatternRule(p)).toMatch(rule);
  });

  it("256 characters is the longest pattern", () => {
    expect(typePatternRule("x".repeat(256))).toBeUndefined();
  });
});

describe("subjectFilter", () => {
  it("builds filters for tenant and type", () => {
    expect(subjectFilter("events", "acme", undefined)).toBe("events.acme.>");
    expect(subjectFilter("events", undefined, undefined)).toBe("events.*.>");
    expect(subjectFilter("events", "acme", "com.anumate.capsule.*")).toBe("events.acme.com.anumate.capsule.*");
    expect(subjectFilter("events", undefined, "com.>")).toBe("events.*.com.>");
    expect(subjectFilter("events", "a.b", "x y.z")).toBe("events.a~2Eb.x~20y.z");
  });

  it("a filter selects exactly the events whose tenant and type match (random check against NATS semantics)", () => {
    const rnd = prng(5);
    const tokens = ["a", "b", "c.d", "é", "*x", "~", ""];
    const tenants = ["acme", "acme.corp", "ac", "*", ">", ""];
    const pickType = () => {
      const n = 1 + Math.floor(rnd() * 4);
      return Array.from({ length: n }, () => tokens[Math.floor(rnd() * tokens.length)]).join(".");
    };
    let matched = 0;
    for (let n = 0; n < 2000; n++) {
      const type = pickType();
      // a pattern: another random type, or this type with some tokens widened to '*' or cut with '>'
      let pattern = rnd() < 0.5 ? pickType() : type;
      const parts = pattern.split(".").map((t) => (rnd() < 0.3 ? "*" : t));
      if (rnd() < 0.3) parts.splice(Math.floor(rnd() * parts.length), parts.length, ">");
      pattern = parts.join(".");
      if (typePatternRule(pattern) !== undefined) continue;
      const tenant = tenants[Math.floor(rnd() * tenants.length)] ?? "";
      const filterTenant = rnd() < 0.3 ? undefined : tenants[Math.floor(rnd() * tenants.length)];
      const expected = typeMatches(pattern, type) && (filterTenant === undefined || filterTenant === tenant);
      const filter = subjectFilter("events", filterTenant, pattern);
      const actual = natsMatch(filter, eventSubject("events", tenant, type));
      expect(actual, `${filter} vs ${tenant}/${type}`).toBe(expected);
      if (actual) matched++;
    }
    expect(matched).toBeGreaterThan(100);
  });

  it("a tenant filter never selects another tenant, even one that looks like a prefix or contains dots", () => {
    const subject = eventSubject("events", "acme.corp", "a.b");
    expect(natsMatch(subjectFilter("events", "acme", undefined), subject)).toBe(false);
    expect(natsMatch(subjectFilter("events", "acme.corp", undefined), subject)).toBe(true);
    expect(natsMatch(subjectFilter("events", "acme", "corp.>"), eventSubject("events", "acme", "corp.a.b"))).toBe(true);
    expect(natsMatch(subjectFilter("events", "acme", "corp.>"), subject)).toBe(false);
  });
});

describe("malformed escapes", () => {
  it("are rejected rather than decoded to NUL", () => {
    expect(() => unescapeToken("a~ZZ")).toThrow(/malformed/);
    expect(() => unescapeToken("a~")).toThrow(/malformed/);
    expect(parseEventSubject("events", "events.t.a~ZZ")).toBeUndefined();
  });
});
