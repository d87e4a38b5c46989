import { type Logger, pino } from "pino";

export type { Logger };

/** Structured JSON logs on stdout. Secrets are redacted by key wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "anumate-event-bus" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["*.password", "*.token", "*.authorization", "*.apiKey", "*.key"], censor: "[redacted]" },
  });
}
