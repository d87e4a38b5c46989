import type { KV } from "@nats-io/kv";
import type { KeyRepo, Session, SessionRepo, StoredKey } from "../../core/auth/service";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** API keys in NATS KV (durable; Redis may keep nothing). Key ids are hex, so they are valid KV keys. */
export function createKeyRepo(kv: KV): KeyRepo {
  return {
    async put(k) {
      await kv.put(k.id, enc.encode(JSON.stringify(k)));
    },
    async watch(onChange) {
      const w = await kv.watch();
      void (async () => {
        for await (const e of w)
          onChange(e.key, e.operation === "PUT" && e.length > 0 ? (JSON.parse(dec.decode(e.value)) as StoredKey) : undefined);
      })().catch(() => {});
      return () => w.stop();
    },
  };
}

/** Console sessions in a NATS KV bucket whose entries expire with the session. */
export function createSessionRepo(kv: KV): SessionRepo {
  // session ids are base64url: '-' and '_' are valid KV key characters
  return {
    async put(id, s) {
      await kv.put(id, enc.encode(JSON.stringify(s)));
    },
    async get(id) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(id)) return undefined;
      const e = await kv.get(id);
      return e && e.operation === "PUT" && e.length > 0 ? (JSON.parse(dec.decode(e.value)) as Session) : undefined;
    },
    async delete(id) {
      if (/^[A-Za-z0-9_-]{20,100}$/.test(id)) await kv.purge(id);
    },
  };
}
