/** Formatting shared by the live tail and the explorer. Pure, locale passed in for tests. */

// Building an Intl.DateTimeFormat costs far more than using one, and the live tail formats
// thousands of times a minute: one formatter per kind and time zone, made once.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "clock" | "date", timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone ?? ""}`;
  let f = formatters.get(key);
  if (!f) {
    f =
      kind === "clock"
        ? new Intl.DateTimeFormat("en-GB", {
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
            hour12: false,
            ...(timeZone ? { timeZone } : {}),
          })
        : new Intl.DateTimeFormat("en-CA", {
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            ...(timeZone ? { timeZone } : {}),
          });
    formatters.set(key, f);
  }
  return f;
}

/** `12:04:05.123` in the viewer's time zone (or `timeZone` for tests). */
export function formatClock(ms: number, timeZone?: string): string {
  const d = new Date(ms);
  const parts = formatter("clock", timeZone).format(d);
  return `${parts}.${String(d.getUTCMilliseconds()).padStart(3, "0")}`;
}

/**
 * An RFC 3339 time as `2025-03-14 09:26:53.123` in the viewer's zone (`ms: false` leaves the
 * milliseconds out); the input unchanged when it is not a time.
 */
export function formatTimestamp(iso: string | undefined, opts: { timeZone?: string; ms?: boolean } = {}): string {
  const { timeZone, ms: withMs = true } = opts;
  if (!iso) return "–";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  const date = formatter("date", timeZone).format(d);
  const clock = formatClock(ms, timeZone);
  return `${date} ${withMs ? clock : clock.slice(0, 8)}`;
}

/** Events per second: one decimal under 10, whole numbers above. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return "0";
  return perSec < 10 ? perSec.toFixed(1) : Math.round(perSec).toLocaleString("en-US");
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A one-line preview of data, at most `max` characters. */
export function previewData(data: unknown, dataBase64: string | undefined, max = 120): string {
  let s: string;
  if (data !== undefined) s = typeof data === "string" ? data : JSON.stringify(data);
  else if (dataBase64 !== undefined) s = `base64:${dataBase64}`;
  else return "";
  s = s.replace(/\s+/g, " ");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
