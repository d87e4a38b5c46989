import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** Keys whose values are never logged: at the top level, one level down, and in request headers. */
const SECRET_KEYS = ["password", "token", "authorization", "apiKey", "api_key", "key", "secret", "cookie"];
const SECRET_HEADERS = ["authorization", "cookie", '["set-cookie"]', '["x-api-key"]'];
const REDACT = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_HEADERS.map((h) => `headers${h.startsWith("[") ? "" : "."}${h}`),
  ...SECRET_HEADERS.map((h) => `*.headers${h.startsWith("[") ? "" : "."}${h}`),
];

/**
 * Structured JSON logs on stdout (or `destination`). The level comes from `LOG_LEVEL`. Secrets are
 * redacted by key wherever they appear; lines about an event carry `event_id`, `event_type`,
 * `tenant_id`, `correlation_id` and `trace_id` (see core/tracing.ts `eventLogFields`).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "anumate-event-bus" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: "[redacted]" },
    },
    destination,
  );
}
