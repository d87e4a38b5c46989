import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Redis } from "ioredis";
import { createKeyRepo, createSessionRepo } from "./adapters/nats/auth-store";
import { connectNats, type NatsHandle } from "./adapters/nats/connection";
import { createConsumerAdmin } from "./adapters/nats/consumers";
import { createDeadLetterSink } from "./adapters/nats/dead-letters";
import { createNatsEventStore, type NatsEventStore } from "./adapters/nats/event-store";
import { createNatsLiveSource } from "./adapters/nats/live-source";
import { createReadWorker } from "./adapters/nats/read-worker-client";
import { createAuditLog, createDeadLetterStore, createJobStore, createRedelivery } from "./adapters/nats/recovery";
import { ensureStream, streamFigures } from "./adapters/nats/streams";
import { createAttemptLog, createStatusBoard, createSubscriptionRepo, openKv } from "./adapters/nats/subscription-repo";
import { createPushTarget } from "./adapters/push/http-target";
import { createRedis, redisReady } from "./adapters/redis/client";
import type { RedisMetrics } from "./adapters/redis/metrics";
import { createRedisLimiter } from "./adapters/redis/rate-limiter";
import { type Config, redactUrl } from "./config";
import { type AuthService, createAuthService } from "./core/auth/service";
import { createEventsService, type EventsService } from "./core/bus/events";
import { createSubscriptionService, type SubscriptionService } from "./core/delivery/service";
import { checkHealth, type Health } from "./core/health";
import { createLimits, type Limits } from "./core/limits/limits";
import { createDeadLetterService, type DeadLetterService } from "./core/recovery/dead-letters";
import { createJobRunner, type JobRunner } from "./core/recovery/jobs";
import type { AuditLog } from "./core/recovery/ports";
import { createReplayService, type ReplayService } from "./core/recovery/replays";
import { createLiveService, type LiveService } from "./core/stream/live";
import { createLogger, type Logger } from "./log";
import { createObservability, type Observability } from "./observability";

/**
 * The composition root: config → NATS → JetStream streams → Redis → services.
 * One per process; the HTTP layer and route handlers reach it through `getContainer()`.
 */
export interface Container {
  readonly config: Config;
  readonly log: Logger;
  readonly nats: NatsHandle;
  readonly redis: Redis;
  readonly store: NatsEventStore;
  readonly events: EventsService;
  /** Live views (`GET /api/stream`); `stop()` ends the open ones. */
  readonly live: LiveService;
  readonly metrics: RedisMetrics;
  /** Prometheus registry, tracer, metrics read verbs, lag sampler (server/observability.ts). */
  readonly observability: Observability;
  readonly subscriptions: SubscriptionService;
  readonly deadLetters: DeadLetterService;
  readonly replays: ReplayService;
  readonly jobs: JobRunner;
  readonly audit: AuditLog;
  readonly auth: AuthService;
  readonly limits: Limits;
  /** Largest event accepted, in stored bytes: MAX_EVENT_BYTES capped by the server's max_payload. */
  readonly maxEventBytes: number;
  health(): Promise<Health>;
  running(): boolean;
  /** Stops everything in order; safe to call more than once. */
  stop(): Promise<void>;
}

export async function createContainer(config: Config, opts: { logger?: Logger } = {}): Promise<Container> {
  const log = opts.logger ?? createLogger(config.LOG_LEVEL);
  const info = (msg: string, extra?: object) => log.info(extra ?? {}, msg);

  let nats: NatsHandle;
  try {
    nats = await connectNats(config, info);
  } catch (e) {
    throw new Error(`Cannot connect to NATS at ${config.NATS_URL.map(redactUrl).join(", ")}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let redis: Redis;
  // the metrics writer's own connection: its bulk writes (a flush is thousands of fields) do not
  // queue ahead of the rate-limit checks that every request waits for
  let metricsRedis: Redis;
  try {
    const tlsFiles = { ca: config.REDIS_TLS_CA, cert: config.REDIS_TLS_CERT, key: config.REDIS_TLS_KEY };
    redis = createRedis(config.REDIS_URL, info, tlsFiles);
    metricsRedis = createRedis(config.REDIS_URL, (msg, extra) => info(`metrics ${msg}`, extra), tlsFiles);
  } catch (e) {
    await nats.nc.close().catch(() => {}); // e.g. REDIS_TLS_CA names a file that cannot be read
    throw e;
  }
  try {
    const jsm = await jetstreamManager(nats.nc);
    const js = jetstream(nats.nc);
    const limits = {
      maxMsgs: config.MAX_MSGS,
      maxBytes: config.MAX_BYTES,
      maxAgeSec: config.MAX_AGE,
      replicas: config.STREAM_REPLICAS,
      duplicateWindowSec: config.DUPLICATE_WINDOW,
    };
    const created = await ensureStream(jsm, { name: config.STREAM_NAME, subjects: [`${config.SUBJECT_PREFIX}.>`], ...limits });
    const createdDlq = await ensureStream(jsm, {
      name: config.DEAD_LETTER_STREAM,
      subjects: [`${config.SUBJECT_PREFIX}_dlq.>`],
      ...limits,
    });
    const redeliveryStream = `${config.STREAM_NAME}_REDELIVERY`;
    const createdRd = await ensureStream(jsm, { name: redeliveryStream, subjects: [`${config.SUBJECT_PREFIX}_rd.>`], ...limits });
    const createdAudit = await ensureStream(jsm, {
      name: config.AUDIT_STREAM,
      subjects: [`${config.SUBJECT_PREFIX}_audit.>`],
      ...limits,
      maxAgeSec: config.AUDIT_MAX_AGE,
    });
    info("streams ready", {
      [config.STREAM_NAME]: created,
      [config.DEAD_LETTER_STREAM]: createdDlq,
      [redeliveryStream]: createdRd,
      [config.AUDIT_STREAM]: createdAudit,
    });

    const maxPayload = nats.nc.info?.max_payload ?? 1_048_576;
    const maxEventBytes = Math.min(config.MAX_EVENT_BYTES, maxPayload);
    if (maxEventBytes < config.MAX_EVENT_BYTES) {
      log.warn(
        { MAX_EVENT_BYTES: config.MAX_EVENT_BYTES, max_payload: maxPayload },
        "MAX_EVENT_BYTES exceeds the NATS server's max_payload; using max_payload",
      );
    }
    // Redis is optional for the bus: connect in the background, never wait for it.
    redis.connect().catch(() => {});
    metricsRedis.connect().catch(() => {});

    let running = true;
    const warn = (msg: string, extra?: object) => log.warn(extra ?? {}, msg);
    const decoding = { subjectPrefix: config.SUBJECT_PREFIX, defaultTenant: config.DEFAULT_TENANT };
    const reader =
      config.RANGE_READ_THREAD || config.PULL_THREAD
        ? createReadWorker({ config, ...decoding }, { ...decoding, log: warn })
        : undefined;
    const store = createNatsEventStore({
      js,
      jsm,
      stream: config.STREAM_NAME,
      subjectPrefix: config.SUBJECT_PREFIX,
      defaultTenant: config.DEFAULT_TENANT,
      maxPayload,
      publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
      connected: () => running && nats.connected(),
      log: warn,
      ...(reader && config.RANGE_READ_THREAD ? { reader } : {}),
    });
    const observability = await createObservability(config, { main: redis, metrics: metricsRedis }, log);
    const metrics = observability.redis;
    const rateLimits = createLimits(createRedisLimiter(redis, { prefix: config.REDIS_KEY_PREFIX }), {
      keyRequestsPerSec: config.RATE_LIMIT_KEY_REQUESTS,
      keyEventsPerSec: config.RATE_LIMIT_KEY_EVENTS,
      tenantRequestsPerSec: config.RATE_LIMIT_TENANT_REQUESTS,
      tenantEventsPerSec: config.RATE_LIMIT_TENANT_EVENTS,
      burstFactor: config.RATE_LIMIT_BURST,
    });
    const events = createEventsService({
      store,
      metrics: observability.recorder,
      tracer: observability.tracer,
      limits: rateLimits,
      streamName: config.STREAM_NAME,
      subjectPrefix: config.SUBJECT_PREFIX,
      defaultTenant: config.DEFAULT_TENANT,
    });
    const live = createLiveService({
      source: createNatsLiveSource({
        js,
        jsm,
        stream: config.STREAM_NAME,
        subjectPrefix: config.SUBJECT_PREFIX,
        defaultTenant: config.DEFAULT_TENANT,
        connected: () => running && nats.connected(),
        log: (msg, extra) => log.warn(extra ?? {}, msg),
      }),
      subjectPrefix: config.SUBJECT_PREFIX,
      replays: () => replays,
    });

    const [subsKv, attemptsKv, statusKv] = await Promise.all([
      openKv(js, `${config.STREAM_NAME}_SUBS`, { history: 5 }),
      openKv(js, `${config.STREAM_NAME}_ATTEMPTS`, { ttlMs: config.MAX_AGE * 1000 }),
      openKv(js, `${config.STREAM_NAME}_STATUS`, { ttlMs: 30_000 }),
    ]);
    const audit = createAuditLog({
      js,
      jsm,
      stream: config.AUDIT_STREAM,
      subjectPrefix: config.SUBJECT_PREFIX,
      timeoutMs: config.PUBLISH_TIMEOUT_MS,
    });
    const [major, minor] = nats.serverVersion();
    const subscriptions = createSubscriptionService({
      repo: createSubscriptionRepo(subsKv),
      consumers: createConsumerAdmin({
        nc: nats.nc,
        js,
        jsm,
        stream: config.STREAM_NAME,
        redeliveryStream,
        subjectPrefix: config.SUBJECT_PREFIX,
        defaultTenant: config.DEFAULT_TENANT,
        multiFilter: major > 2 || (major === 2 && minor >= 10),
        log: (msg, extra) => log.warn(extra ?? {}, msg),
        ...(reader && config.PULL_THREAD ? { reader } : {}),
      }),
      deadLetters: createDeadLetterSink({ js, subjectPrefix: config.SUBJECT_PREFIX, timeoutMs: config.PUBLISH_TIMEOUT_MS }),
      attempts: createAttemptLog(attemptsKv),
      status: createStatusBoard(statusKv),
      pushTarget: (sub) =>
        createPushTarget({
          url: sub.target.type === "push" ? sub.target.url : "",
          timeoutMs: sub.target.type === "push" ? sub.target.timeoutMs : 10_000,
          maxInFlight: sub.maxInFlight,
          tracer: observability.tracer,
        }),
      defaultMaxAttempts: config.MAX_DELIVER_ATTEMPTS,
      log: (level, msg, extra) => log[level](extra ?? {}, msg),
      audit,
      observe: observability.observe,
      tracer: observability.tracer,
    });
    await subscriptions.start();

    const [keysKv, sessionsKv] = await Promise.all([
      openKv(js, `${config.STREAM_NAME}_KEYS`, { history: 5 }),
      openKv(js, `${config.STREAM_NAME}_SESSIONS`, { ttlMs: config.SESSION_TTL * 1000 }),
    ]);
    const auth = createAuthService({
      keys: createKeyRepo(keysKv),
      sessions: createSessionRepo(sessionsKv),
      ...(config.ADMIN_API_KEY ? { adminKey: config.ADMIN_API_KEY } : {}),
      disabled: config.AUTH_DISABLED,
      sessionTtlMs: config.SESSION_TTL * 1000,
      audit,
    });
    const { generatedAdminKey } = await auth.start();
    if (generatedAdminKey) {
      // printed once: it is stored hashed and cannot be shown again
      process.stdout.write(
        `\nNo ADMIN_API_KEY was set, so an admin key was created. It is shown only this once:\n\n  ${generatedAdminKey}\n\nKeep it safe; create other keys with POST /api/keys.\n\n`,
      );
    }
    if (config.AUTH_DISABLED) log.warn("AUTH_DISABLED=true: every caller is an admin. For local development only.");

    const jobsKv = await openKv(js, `${config.STREAM_NAME}_JOBS`, { ttlMs: 7 * 24 * 3600 * 1000 });
    const redelivery = createRedelivery({ js, subjectPrefix: config.SUBJECT_PREFIX, timeoutMs: config.PUBLISH_TIMEOUT_MS });
    const jobs = createJobRunner({
      store: createJobStore(jobsKv),
      requestCancel: async (id) => {
        await jobsKv.put(`cancel_${id}`, new TextEncoder().encode("1"));
      },
      isCancelRequested: async (id) => (await jobsKv.get(`cancel_${id}`))?.operation === "PUT",
      log: (level, msg, extra) => log[level](extra ?? {}, msg),
      instance: subscriptions.instance,
    });
    const subscriptionById = (id: string) => subscriptions.peek(id);
    const deadLetters = createDeadLetterService({
      store: createDeadLetterStore({
        js,
        jsm,
        stream: config.DEAD_LETTER_STREAM,
        subjectPrefix: config.SUBJECT_PREFIX,
        log: (msg, extra) => log.warn(extra ?? {}, msg),
      }),
      redelivery,
      jobs,
      audit,
      subscriptionExists: async (id) => (await subscriptionById(id)) !== undefined,
      streamName: config.DEAD_LETTER_STREAM,
      defaultRatePerSec: config.REPLAY_RATE,
      tracer: observability.tracer,
      metrics: observability.recorder,
    });
    const replays = createReplayService({
      store,
      redelivery,
      jobs,
      audit,
      subjectPrefix: config.SUBJECT_PREFIX,
      subscription: subscriptionById,
      lane: (id, o) => subscriptions.openLane(id, o),
      defaultRatePerSec: config.REPLAY_RATE,
      tracer: observability.tracer,
      metrics: observability.recorder,
    });
    const streams = async () => ({
      events: await streamFigures(jsm, config.STREAM_NAME),
      deadLetters: await streamFigures(jsm, config.DEAD_LETTER_STREAM),
    });
    observability.start({ subscriptions, events, live, natsConnected: () => running && nats.connected(), streams });

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        running = false;
        auth.stop();
        await live.stop(); // open SSE responses end now, not after the HTTP grace period
        await jobs.stop(); // jobs under way end as "interrupted", with how far they got
        await subscriptions.stop(); // (their pulls may run on the reading thread: it closes after them)
        await reader?.close();
        await store.settle();
        await observability.stop(); // lag sampling ends, buffered metrics are written, last spans exported
        await nats.nc.drain().catch(() => {});
        await redis.quit().catch(() => redis.disconnect());
        await metricsRedis.quit().catch(() => metricsRedis.disconnect());
        info("stopped");
      })();
      return stopping;
    };

    return {
      config,
      log,
      nats,
      redis,
      store,
      events,
      live,
      metrics,
      observability,
      subscriptions,
      deadLetters,
      replays,
      jobs,
      audit,
      auth,
      limits: rateLimits,
      maxEventBytes,
      running: () => running,
      stop,
      health: () =>
        checkHealth({
          natsConnected: nats.connected,
          redisConnected: () => redisReady(redis),
          running: () => running,
          streams: async () => ({
            events: await streamFigures(jsm, config.STREAM_NAME),
            deadLetters: await streamFigures(jsm, config.DEAD_LETTER_STREAM),
          }),
        }),
    };
  } catch (e) {
    await nats.nc.close().catch(() => {});
    redis.disconnect();
    metricsRedis.disconnect();
    throw e;
  }
}

const KEY = Symbol.for("anumate.container");
type Global = typeof globalThis & { [KEY]?: Container };

/** Registers the process's container (done once by server.ts). */
export function setContainer(c: Container | undefined): void {
  (globalThis as Global)[KEY] = c;
}

/** The process's container. Route handlers use this, never a connection of their own. */
export function getContainer(): Container {
  const c = (globalThis as Global)[KEY];
  if (!c) throw new Error("The container is not started (server.ts starts it)");
  return c;
}
