/**
 * Event subjects: `<prefix>.<tenant>.<type tokens>`, e.g. `events.acme.com.anumate.capsule.created`,
 * so NATS filters select by tenant (`events.acme.>`) and by type hierarchy (`events.*.com.anumate.capsule.*`).
 *
 * Each token is escaped reversibly: A-Z a-z 0-9 '_' '-' stay as they are; every other UTF-8 byte
 * becomes `~XX` (upper-case hex); an empty token becomes `~`. A tenant id is one token (its dots are
 * escaped); an event type is split on '.' into tokens. See docs/subjects.md.
 */

const SAFE = /^[A-Za-z0-9_-]+$/;
const HEX = "0123456789ABCDEF";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function escapeToken(token: string): string {
  if (token.length === 0) return "~";
  if (SAFE.test(token)) return token;
  let out = "";
  for (const b of encoder.encode(token)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `~${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

export function unescapeToken(token: string): string {
  if (token === "~") return "";
  if (!token.includes("~")) return token;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "~") {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error(`malformed escape in subject token "${token}"`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return decoder.decode(Uint8Array.from(bytes));
}

/** The subject an event of this tenant and type is stored under. */
export function eventSubject(prefix: string, tenant: string, type: string): string {
  return `${prefix}.${escapeToken(tenant)}.${type.split(".").map(escapeToken).join(".")}`;
}

/** Tenant and type back from a subject (inverse of `eventSubject`), or undefined if it is not an event subject. */
export function parseEventSubject(prefix: string, subject: string): { tenant: string; type: string } | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const tokens = subject.slice(prefix.length + 1).split(".");
  if (tokens.length < 2) return undefined;
  try {
    return { tenant: unescapeToken(tokens[0] ?? ""), type: tokens.slice(1).map(unescapeToken).join(".") };
  } catch {
    return undefined;
  }
}

/**
 * A type pattern as a subject filter: exact (`a.b`), one more token (`a.b.*`) or any more (`a.b.>`).
 * `*` and `>` are wildcards only as whole tokens; `>` only last.
 */
export function typePatternRule(pattern: string): string | undefined {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > 256) return "must be at most 256 characters";
  const tokens = pattern.split(".");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? "";
    if (t === ">" && i !== tokens.length - 1) return "'>' may only be the last token";
    if (t !== "*" && t !== ">" && /[*>]/.test(t)) return "'*' and '>' must be whole tokens";
  }
  return undefined;
}

export function subjectFilter(prefix: string, tenant: string | undefined, typePattern: string | undefined): string {
  const t = tenant === undefined ? "*" : escapeToken(tenant);
  if (typePattern === undefined) return `${prefix}.${t}.>`;
  const tokens = typePattern.split(".").map((tok) => (tok === "*" || tok === ">" ? tok : escapeToken(tok)));
  return `${prefix}.${t}.${tokens.join(".")}`;
}
