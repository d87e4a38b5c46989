import { z } from "zod";

/**
 * Configuration, parsed and validated once at start-up. This is the only file that reads
 * `process.env`; everything else receives a `Config` (or a slice of it) through its constructor.
 */

const positiveInt = (def: number) => z.coerce.number().int("must be an integer").positive("must be > 0").default(def);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const streamName = (def: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -")
    .default(def);

/** A NATS subject token usable as a prefix: no wildcards, dots or whitespace. */
const subjectToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -")
  .default("events");

const natsUrls = z
  .string()
  .default("nats://127.0.0.1:4222")
  .transform((v, ctx) => {
    const servers = v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    for (const s of servers) {
      if (!/^(nats|tls|ws|wss):\/\/[^\s]+$|^[^\s/:]+(:\d+)?$/.test(s)) {
        ctx.addIssue({ code: "custom", message: `"${s}" is not a NATS server URL (nats://host:port)` });
      }
    }
    if (servers.length === 0) ctx.addIssue({ code: "custom", message: "must name at least one server" });
    return servers;
  });

const redisUrl = z
  .string()
  .default("redis://127.0.0.1:6379")
  .refine((v) => /^rediss?:\/\/[^\s]+$/.test(v), "must be a redis:// or rediss:// URL");

const tenantId = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, _ or -")
  .default("default");

/** A switch, on by default (`true`/`1`/empty: on; `false`/`0`: off). */
const onOff = () =>
  z
    .enum(["true", "false", "1", "0", ""], { message: "must be true or false" })
    .default("true")
    .transform((v) => v === "true" || v === "1" || v === "");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  NATS_URL: natsUrls,
  NATS_CLUSTER_ID: optionalString,
  NATS_USER: optionalString,
  NATS_PASSWORD: optionalString,
  NATS_TOKEN: optionalString,
  NATS_CREDS: optionalString,
  NATS_NKEY_SEED: optionalString,
  NATS_TLS_CA: optionalString,
  NATS_TLS_CERT: optionalString,
  NATS_TLS_KEY: optionalString,
  REDIS_URL: redisUrl,
  /** PEM file of the CA that signed the Redis server's certificate (with `rediss://`); unset: the system CAs. */
  REDIS_TLS_CA: optionalString,
  /** Client certificate and key (PEM files) for Redis servers that check clients (`tls-auth-clients`). */
  REDIS_TLS_CERT: optionalString,
  REDIS_TLS_KEY: optionalString,
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, "must be 1-64 characters of A-Z, a-z, 0-9, :, _ or -")
    .default("anumate:"),
  STREAM_NAME: streamName("ANUMATE_EVENTS"),
  SUBJECT_PREFIX: subjectToken,
  MAX_MSGS: positiveInt(1_000_000),
  MAX_BYTES: positiveInt(1_073_741_824),
  MAX_AGE: positiveInt(604_800),
  STREAM_REPLICAS: z.coerce.number().int("must be an integer").min(1, "must be 1 to 5").max(5, "must be 1 to 5").default(1),
  DUPLICATE_WINDOW: positiveInt(120),
  DEAD_LETTER_STREAM: streamName("ANUMATE_DEAD_LETTERS"),
  AUDIT_STREAM: streamName("ANUMATE_AUDIT"),
  /** How long audit records are kept, in seconds. @default 31536000 (a year) */
  AUDIT_MAX_AGE: positiveInt(31_536_000),
  /** Default rate cap of replays and bulk requeues, events per second. */
  REPLAY_RATE: positiveInt(1000),
  MAX_DELIVER_ATTEMPTS: z.coerce
    .number()
    .int("must be an integer")
    .min(1, "must be >= 1")
    .max(1000, "must be <= 1000")
    .default(5),
  API_HOST: z.string().min(1, "must not be empty").default("0.0.0.0"),
  API_PORT: z.coerce.number().int("must be an integer").min(0, "must be 0-65535").max(65535, "must be 0-65535").default(8080),
  MAX_EVENT_BYTES: positiveInt(1_048_576),
  MAX_BATCH_EVENTS: positiveInt(1000),
  MAX_BATCH_BYTES: positiveInt(16 * 1_048_576),
  PUBLISH_TIMEOUT_MS: positiveInt(5000),
  DEFAULT_TENANT: tenantId,
  ADMIN_API_KEY: optionalString,
  /** `true` turns API keys off (local development only); the console says so on every page. */
  AUTH_DISABLED: z
    .enum(["true", "false", "1", "0", ""], { message: "must be true or false" })
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** Rate limits, per second (0 = off); bursts up to RATE_LIMIT_BURST × the rate. Shared by every replica through Redis. */
  RATE_LIMIT_KEY_REQUESTS: z.coerce.number().int("must be an integer").min(0, "must be >= 0").default(1000),
  RATE_LIMIT_KEY_EVENTS: z.coerce.number().int("must be an integer").min(0, "must be >= 0").default(20_000),
  RATE_LIMIT_TENANT_REQUESTS: z.coerce.number().int("must be an integer").min(0, "must be >= 0").default(2000),
  RATE_LIMIT_TENANT_EVENTS: z.coerce.number().int("must be an integer").min(0, "must be >= 0").default(50_000),
  RATE_LIMIT_BURST: z.coerce.number().min(1, "must be >= 1").max(100, "must be <= 100").default(2),
  /** Console session lifetime in seconds. @default 28800 (8 hours) */
  SESSION_TTL: positiveInt(28_800),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
  /** Seconds the per-second metric buckets are kept in Redis (series of windows up to 15 min). @default 3600 */
  METRICS_SECOND_RETENTION: positiveInt(3600),
  /** Seconds the per-minute metric buckets, latency histograms and lag samples are kept. @default 172800 (2 days) */
  METRICS_MINUTE_RETENTION: positiveInt(172_800),
  /** `true`: replays into a subscription read the stream on a worker thread with a NATS connection of its own. @default true */
  RANGE_READ_THREAD: onOff(),
  /** `true`: subscriptions' consumers of the event stream are pulled on that thread too (parsing and each event's JSON off the main thread). @default true */
  PULL_THREAD: onOff(),
  /** Seconds each event's processing status is kept; 0 turns status tracking off. @default 3600 */
  EVENT_STATUS_TTL: z.coerce.number().int("must be an integer").min(0, "must be >= 0").default(3600),
  /** How often consumer lag is sampled into the time series, in ms (one sample per period across replicas). @default 5000 */
  LAG_SAMPLE_MS: z.coerce.number().int("must be an integer").min(100, "must be >= 100").default(5000),
  /** How often counted metrics are written to Redis (one pipeline), in ms. @default 1000 */
  METRICS_FLUSH_MS: z.coerce.number().int("must be an integer").min(50, "must be >= 50").default(1000),
  /** Most metric entries held in memory while Redis is unreachable (then coarsened, then dropped and counted). @default 100000 */
  METRICS_MAX_PENDING: positiveInt(100_000),
  /** Distinct tenants, and distinct event types, that get their own Prometheus label value; the rest are `_other`. @default 100 */
  METRICS_LABEL_LIMIT: positiveInt(100),
  /** OTLP/HTTP endpoint (base URL; traces go to `<endpoint>/v1/traces`). Unset: tracing is off and costs nothing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine(
    (v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v),
    "must be an http(s) URL",
  ),
  /** `service.name` of the exported spans. @default anumate-event-bus */
  OTEL_SERVICE_NAME: z.string().min(1, "must not be empty").default("anumate-event-bus"),
});

/** Validated configuration. Stream and duration figures are in the units named by the variable. */
export type Config = z.infer<typeof envSchema>;

/** Raised when the environment is invalid; the message names each variable and its rule. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; rule: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.rule}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment (default: `process.env`). Throws `ConfigError` naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0] ?? "?"), rule: i.message })));
  }
  const cfg = result.data;
  const problems: { variable: string; rule: string }[] = [];
  if ((cfg.NATS_TLS_CERT === undefined) !== (cfg.NATS_TLS_KEY === undefined)) {
    problems.push({
      variable: cfg.NATS_TLS_CERT ? "NATS_TLS_KEY" : "NATS_TLS_CERT",
      rule: "NATS_TLS_CERT and NATS_TLS_KEY go together",
    });
  }
  if ((cfg.REDIS_TLS_CERT === undefined) !== (cfg.REDIS_TLS_KEY === undefined)) {
    problems.push({
      variable: cfg.REDIS_TLS_CERT ? "REDIS_TLS_KEY" : "REDIS_TLS_CERT",
      rule: "REDIS_TLS_CERT and REDIS_TLS_KEY go together",
    });
  }
  if ((cfg.REDIS_TLS_CA || cfg.REDIS_TLS_CERT) && !cfg.REDIS_URL.startsWith("rediss://")) {
    problems.push({ variable: "REDIS_URL", rule: "must be a rediss:// URL when REDIS_TLS_CA or REDIS_TLS_CERT is set" });
  }
  if ((cfg.NATS_USER === undefined) !== (cfg.NATS_PASSWORD === undefined)) {
    problems.push({ variable: cfg.NATS_USER ? "NATS_PASSWORD" : "NATS_USER", rule: "NATS_USER and NATS_PASSWORD go together" });
  }
  if (cfg.STREAM_NAME === cfg.DEAD_LETTER_STREAM) {
    problems.push({ variable: "DEAD_LETTER_STREAM", rule: "must differ from STREAM_NAME" });
  }
  if (cfg.AUDIT_STREAM === cfg.STREAM_NAME || cfg.AUDIT_STREAM === cfg.DEAD_LETTER_STREAM) {
    problems.push({ variable: "AUDIT_STREAM", rule: "must differ from STREAM_NAME and DEAD_LETTER_STREAM" });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

const SECRET = /PASSWORD|TOKEN|SEED|SECRET|KEY$|CREDS/;
/** Variables whose names look secret but hold file paths. */
const PATHS = new Set(["NATS_TLS_KEY", "REDIS_TLS_KEY"]);

/**
 * A URL without its credentials: the user-info part (everything up to the last `@`, since a
 * password may hold an unencoded `/` or `@`) and query parameters that carry secrets.
 */
export function redactUrl(url: string): string {
  let out = url;
  const scheme = out.indexOf("://");
  const at = out.lastIndexOf("@");
  if (scheme >= 0 && at > scheme) out = `${out.slice(0, scheme + 3)}[redacted]${out.slice(at)}`;
  return out.replace(/([?&](?:password|pass|token|secret|auth|username|user)=)[^&#]*/gi, "$1[redacted]");
}

/** The configuration with secrets replaced, safe to log or show. */
export function redactConfig(cfg: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    out[k] = v !== undefined && SECRET.test(k) && !PATHS.has(k) ? "[redacted]" : v;
  }
  out.NATS_URL = cfg.NATS_URL.map(redactUrl);
  out.REDIS_URL = redactUrl(cfg.REDIS_URL);
  if (cfg.OTEL_EXPORTER_OTLP_ENDPOINT) out.OTEL_EXPORTER_OTLP_ENDPOINT = redactUrl(cfg.OTEL_EXPORTER_OTLP_ENDPOINT);
  return out;
}
