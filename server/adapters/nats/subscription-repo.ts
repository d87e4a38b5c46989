import type { JetStreamClient } from "@nats-io/jetstream";
import { type Bucket, type KV, Kvm } from "@nats-io/kv";
import { AppError } from "../../../lib/errors";
import type {
  AttemptError,
  AttemptLog,
  MemberStatus,
  StatusBoard,
  Subscription,
  SubscriptionRepo,
} from "../../core/delivery/ports";
import { isKvKey } from "./kv-keys";

/**
 * Subscription definitions in a NATS KV bucket, so every replica sees the same set and a restart
 * of the service keeps them. Keys: `sub.<id>` → definition; `name.<tenant|_all>.<name>` → id
 * (created atomically, so two replicas cannot create the same name twice).
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

export async function openKv(
  js: JetStreamClient,
  bucket: string,
  opts: { history?: number; ttlMs?: number } = {},
): Promise<Bucket> {
  // (the client's KV implementation: its stream and subject prefix are needed by `keysOf`)
  return (await new Kvm(js).create(bucket, { history: opts.history ?? 1, ...(opts.ttlMs ? { ttl: opts.ttlMs } : {}) })) as Bucket;
}

/**
 * The keys under `filter` that have a last entry (a deleted or purged one too: callers read each),
 * from the subjects of the bucket's stream. `kv.keys()` of nats.js leaves an ordered consumer on
 * the server for each call, removed only after 5 minutes idle: every listing of subscriptions and
 * every status read (the console polls both) added one, 106 of them after a bench's 100 WebSocket
 * clients subscribed.
 */
export async function keysOf(kv: Bucket, filter: string): Promise<string[]> {
  const si = await kv.jsm.streams.info(kv.stream, { subjects_filter: `${kv.prefix}.${filter}` });
  return Object.keys(si.state.subjects ?? {}).map((subject) => subject.slice(kv.prefix.length + 1));
}

const nameKey = (tenant: string | undefined, name: string) => `name.${tenant ?? "_all"}.${name}`;

export function createSubscriptionRepo(kv: Bucket): SubscriptionRepo {
  const parse = (v: Uint8Array): Subscription => JSON.parse(dec.decode(v)) as Subscription;

  return {
    async list() {
      const out: Subscription[] = [];
      for (const k of await keysOf(kv, "sub.*")) {
        const e = await kv.get(k);
        if (e && e.operation === "PUT" && e.length > 0) out.push(parse(e.value));
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async get(id) {
      if (!isKvKey(`sub.${id}`)) return undefined; // an id from a URL that no subscription can have
      const e = await kv.get(`sub.${id}`);
      return e && e.operation === "PUT" && e.length > 0 ? parse(e.value) : undefined;
    },
    async create(sub) {
      try {
        await kv.create(nameKey(sub.tenant, sub.name), enc.encode(sub.id));
      } catch (e) {
        throw new AppError(
          "CONFLICT",
          `A subscription named "${sub.name}" already exists${sub.tenant ? ` for tenant ${sub.tenant}` : ""}`,
          {
            details: [{ field: "name", rule: "must be unique per tenant" }],
            cause: e,
          },
        );
      }
      await kv.put(`sub.${sub.id}`, enc.encode(JSON.stringify(sub)));
    },
    async put(sub) {
      await kv.put(`sub.${sub.id}`, enc.encode(JSON.stringify(sub)));
    },
    async delete(id) {
      if (!isKvKey(`sub.${id}`)) return;
      const e = await kv.get(`sub.${id}`);
      if (e && e.operation === "PUT" && e.length > 0) {
        const sub = parse(e.value);
        await kv.delete(nameKey(sub.tenant, sub.name));
      }
      await kv.delete(`sub.${id}`);
    },
    async watch(onChange) {
      const w = await kv.watch({ key: "sub.*" });
      void (async () => {
        for await (const e of w) {
          const id = e.key.slice(4);
          onChange(id, e.operation === "PUT" && e.length > 0 ? parse(e.value) : undefined);
        }
      })().catch(() => {});
      return () => w.stop();
    },
  };
}

/** Each attempt's error per (subscription, seq), in a KV bucket whose entries expire with the stream's age. */
export function createAttemptLog(kv: KV): AttemptLog {
  const key = (sub: string, seq: number) => `${sub}.${seq}`;
  const get = async (sub: string, seq: number): Promise<AttemptError[]> => {
    const e = await kv.get(key(sub, seq));
    return e && e.operation === "PUT" && e.length > 0 ? (JSON.parse(dec.decode(e.value)) as AttemptError[]) : [];
  };
  return {
    get,
    async record(sub, seq, error) {
      const list = await get(sub, seq);
      if (!list.some((a) => a.attempt === error.attempt)) list.push(error);
      await kv.put(key(sub, seq), enc.encode(JSON.stringify(list.slice(-100))));
      return list;
    },
    async clear(sub, seq) {
      await kv.purge(key(sub, seq));
    },
  };
}

/** Per-replica status in a KV bucket whose entries expire (a replica that died stops counting). */
export function createStatusBoard(kv: Bucket): StatusBoard {
  return {
    async report(sub, status) {
      await kv.put(`${sub}.${status.instance}`, enc.encode(JSON.stringify(status)));
    },
    async read(sub) {
      const out: MemberStatus[] = [];
      for (const k of await keysOf(kv, `${sub}.*`)) {
        const e = await kv.get(k);
        if (e && e.operation === "PUT" && e.length > 0) out.push(JSON.parse(dec.decode(e.value)) as MemberStatus);
      }
      return out;
    },
    async clear(sub, instance) {
      await kv.purge(`${sub}.${instance}`);
    },
  };
}
