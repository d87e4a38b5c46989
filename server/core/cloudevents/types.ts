/**
 * The CloudEvents type system (spec 1.0.2, "Type System"): checks for each type's canonical form.
 * Each check returns `undefined` when the value is valid, otherwise the rule it broke.
 * @see ../../../../shared/CLOUDEVENTS.md CORE-4 … CORE-11
 */

/** Control characters, noncharacters and unpaired surrogates are not allowed in a String (CORE-7). */
const DISALLOWED_CHARS = /[\p{Cc}\p{Noncharacter_Code_Point}\p{Cs}]/u;

/** Printable ASCII: the usual attribute value, checked with a much cheaper pattern first. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

export function checkString(v: string): string | undefined {
  if (PRINTABLE_ASCII.test(v)) return undefined;
  return DISALLOWED_CHARS.test(v) ? "must not contain control characters, noncharacters or unpaired surrogates" : undefined;
}

export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

export function checkInteger(v: number): string | undefined {
  if (!Number.isInteger(v)) return "must be an Integer (a whole number)";
  if (v < INT32_MIN || v > INT32_MAX) return "must be an Integer in the signed 32-bit range";
  return undefined;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/** RFC 3986 characters: unreserved, reserved and '%' (checked for two hex digits below). */
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;

function uriShape(v: string): string | undefined {
  if (!URI_CHARS.test(v)) return "must contain only RFC 3986 characters (percent-encode the rest)";
  if (BAD_PERCENT.test(v)) return "must use '%' only for percent-encoding (%XX)";
  if (v.indexOf("#") !== v.lastIndexOf("#")) return "must contain at most one '#'";
  return undefined;
}

/** URI-reference (RFC 3986 §4.1): absolute or relative. A first segment with ':' must be a scheme. */
export function checkUriReference(v: string): string | undefined {
  const shape = uriShape(v);
  if (shape) return `must be a URI-reference: ${shape}`;
  const colon = v.indexOf(":");
  if (colon >= 0) {
    const beforeColon = v.slice(0, colon);
    // a ':' before any '/', '?' or '#' makes the prefix a scheme, which must be well-formed
    if (!/[/?#]/.test(beforeColon) && !SCHEME.test(beforeColon)) {
      return "must be a URI-reference: the part before ':' is not a valid scheme";
    }
  }
  return undefined;
}

/** Absolute URI (RFC 3986 §4.3): a scheme, ':' and a hierarchical part; no fragment. */
export function checkUri(v: string): string | undefined {
  const shape = uriShape(v);
  if (shape) return `must be an absolute URI: ${shape}`;
  const colon = v.indexOf(":");
  if (colon <= 0 || !SCHEME.test(v.slice(0, colon))) return "must be an absolute URI with a scheme (e.g. https://…)";
  if (v.includes("#")) return "must be an absolute URI without a fragment";
  return undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Timestamp (RFC 3339 date-time): needs 'T' and an offset; real calendar dates only; ':60' allowed. */
export function checkTimestamp(v: string): string | undefined {
  const m = RFC3339.exec(v);
  const rule = "must be an RFC 3339 timestamp (e.g. 2026-01-31T12:00:00Z)";
  if (!m) return rule;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return `${rule}: no such date`;
  if (hour > 23 || minute > 59 || second > 60) return `${rule}: no such time`;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return `${rule}: bad offset`;
  return undefined;
}

/** RFC 2046 media type: type "/" subtype, optional parameters (RFC 7231 §3.1.1.1 grammar, US-ASCII only). */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const OWS = "[ \\t]*";
const QUOTED = '"([\\t \\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\\t\\x20-\\x7E])*"';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(${OWS};${OWS}${TOKEN}=(${TOKEN}|${QUOTED}))*${OWS}$`);

export function checkMediaType(v: string): string | undefined {
  return MEDIA_TYPE.test(v) ? undefined : "must be an RFC 2046 media type (type/subtype; param=value)";
}

/** Media type without parameters, lower-cased. */
export function baseMediaType(v: string): string {
  const semi = v.indexOf(";");
  return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
}

/** `*\/json` and `*\/*+json` declare JSON data (JSON-7). An absent content type means JSON (DCT-2). */
export function isJsonMediaType(v: string | undefined): boolean {
  if (v === undefined) return true;
  const base = baseMediaType(v);
  return base.endsWith("/json") || base.endsWith("+json");
}

/** Media types whose data is text, rendered as a JSON string rather than base64. */
export function isTextMediaType(v: string | undefined): boolean {
  if (v === undefined) return false;
  const base = baseMediaType(v);
  return (
    base.startsWith("text/") || base.endsWith("/xml") || base.endsWith("+xml") || base === "application/x-www-form-urlencoded"
  );
}

/** Attribute names are lower-case ASCII letters and digits (CORE-3). */
export const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
