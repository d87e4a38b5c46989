import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { KeyDto, KeyInput, Role } from "../../../lib/contracts/keys";
import { AppError } from "../../../lib/errors";
import type { Ctx } from "../context";
import { allows, type Permission } from "./roles";

/** A key as stored: its secret only as a SHA-256 hash. */
export interface StoredKey extends KeyDto {
  hash: string;
}

/** API keys (NATS KV: durable, shared by every replica; Redis may keep nothing). */
export interface KeyRepo {
  put(k: StoredKey): Promise<void>;
  /** Calls back with every key now and with each change after; returns a stop function. */
  watch(onChange: (id: string, k: StoredKey | undefined) => void): Promise<() => void>;
}

export interface Session {
  keyId: string;
  expiresAt: string;
}

/** Console sessions (NATS KV with a TTL). */
export interface SessionRepo {
  put(id: string, s: Session): Promise<void>;
  get(id: string): Promise<Session | undefined>;
  delete(id: string): Promise<void>;
}

export interface Caller {
  ctx: Ctx;
  roles: readonly Role[];
  /** How the caller proved who it is. */
  via: "bearer" | "session" | "auth-disabled" | "anonymous";
}

export interface AuthServiceOptions {
  keys: KeyRepo;
  sessions: SessionRepo;
  /** `ADMIN_API_KEY`: an admin key for all tenants. */
  adminKey?: string;
  /** `AUTH_DISABLED=true`: every caller is an admin (local development only). */
  disabled: boolean;
  sessionTtlMs: number;
  audit?: {
    append(r: {
      actor: string;
      action: string;
      target: string;
      result: "ok" | "refused" | "failed";
      details: Record<string, unknown>;
    }): Promise<void>;
  };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();
const KEY_FORMAT = /^anm_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$/;

function sameSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const ADMIN: Omit<Caller, "via"> = { ctx: { caller: "admin", tenants: "*" }, roles: ["admin"] };

function unauthenticated(message = "Send an API key: Authorization: Bearer <key>") {
  return new AppError("UNAUTHENTICATED", message, { details: [{ field: "authorization", rule: "must carry a valid API key" }] });
}

/**
 * API keys and console sessions. Every replica keeps all keys in memory (watched in NATS KV), so a
 * revoked key is refused at once everywhere without a lookup per request.
 */
export function createAuthService(o: AuthServiceOptions) {
  const keys = new Map<string, StoredKey>();
  const adminHash = o.adminKey ? sha256(o.adminKey) : undefined;
  let stopWatch: (() => void) | undefined;
  const sessionCache = new Map<string, { s: Session; until: number }>();

  function toDto(k: StoredKey): KeyDto {
    const { hash: _hash, ...dto } = k;
    return dto;
  }

  function callerOf(k: StoredKey): Omit<Caller, "via"> {
    return {
      ctx: { caller: `key:${k.id}`, tenants: k.tenant ? [k.tenant] : "*", ...(k.types ? { types: k.types } : {}) },
      roles: k.roles,
    };
  }

  function byKey(presented: string): Omit<Caller, "via"> | undefined {
    if (adminHash && sameSecret(sha256(presented), adminHash)) return ADMIN;
    const m = KEY_FORMAT.exec(presented);
    if (!m) return undefined;
    const k = keys.get(m[1] as string);
    if (!k || k.revokedAt) return undefined;
    return sameSecret(sha256(m[2] as string), Buffer.from(k.hash, "hex")) ? callerOf(k) : undefined;
  }

  async function sessionCaller(id: string): Promise<Omit<Caller, "via"> | undefined> {
    const now = Date.now();
    let entry = sessionCache.get(id);
    if (!entry || entry.until < now) {
      const s = await o.sessions.get(id);
      if (!s) {
        sessionCache.delete(id);
        return undefined;
      }
      entry = { s, until: now + 5000 };
      sessionCache.set(id, entry);
      if (sessionCache.size > 10_000) sessionCache.delete(sessionCache.keys().next().value as string);
    }
    if (Date.parse(entry.s.expiresAt) < now) return undefined;
    if (entry.s.keyId === "admin") return adminHash ? ADMIN : undefined;
    const k = keys.get(entry.s.keyId);
    return k && !k.revokedAt ? callerOf(k) : undefined;
  }

  return {
    get disabled() {
      return o.disabled;
    },

    /**
     * Loads the keys and keeps them current. Without ADMIN_API_KEY and without any admin key, it
     * creates one and returns it (to be printed once).
     */
    async start(): Promise<{ generatedAdminKey?: string }> {
      let ready: () => void = () => {};
      const loaded = new Promise<void>((r) => {
        ready = r;
      });
      stopWatch = await o.keys.watch((id, k) => {
        if (k) keys.set(id, k);
        else keys.delete(id);
        ready();
      });
      // an empty bucket never calls back: give the initial values a moment
      await Promise.race([loaded, new Promise((r) => setTimeout(r, 300))]);
      if (o.disabled || o.adminKey || [...keys.values()].some((k) => !k.revokedAt && k.roles.includes("admin") && !k.tenant))
        return {};
      const created = await this.createKey({
        ctx: { caller: "bootstrap", tenants: "*" },
        input: { name: "bootstrap admin", roles: ["admin"] },
      });
      return { generatedAdminKey: created.key };
    },

    stop() {
      stopWatch?.();
    },

    /** Who is calling, from the Authorization header or the session cookie. Throws UNAUTHENTICATED. */
    async authenticate(h: { authorization?: string; sessionId?: string }): Promise<Caller> {
      if (o.disabled) return { ...ADMIN, via: "auth-disabled" };
      if (h.authorization !== undefined) {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(h.authorization);
        if (!m) throw unauthenticated("Authorization must be: Bearer <key>");
        const c = byKey(m[1] as string);
        if (!c) throw unauthenticated("The API key is not valid (unknown or revoked)");
        return { ...c, via: "bearer" };
      }
      if (h.sessionId !== undefined) {
        const c = await sessionCaller(h.sessionId);
        if (!c) throw unauthenticated("The session has expired or was signed out; sign in again");
        return { ...c, via: "session" };
      }
      throw unauthenticated();
    },

    /** Refuses (403) a caller without the permission. */
    authorize(caller: Caller, p: Permission): void {
      if (!allows(caller.roles, p)) {
        throw new AppError("FORBIDDEN", `This key (roles: ${caller.roles.join(", ")}) may not do this (${p})`, {
          details: [{ field: "authorization", rule: `needs a role with ${p}` }],
        });
      }
    },

    async createKey({ ctx, input }: { ctx: Ctx; input: KeyInput }): Promise<KeyDto & { key: string }> {
      const id = randomBytes(6).toString("hex");
      const secret = randomBytes(32).toString("base64url");
      const key = `anm_${id}_${secret}`;
      const stored: StoredKey = {
        id,
        name: input.name,
        ...(input.tenant ? { tenant: input.tenant } : {}),
        roles: [...new Set(input.roles)],
        ...(input.types ? { types: input.types } : {}),
        prefix: key.slice(0, 12),
        createdAt: new Date().toISOString(),
        createdBy: ctx.caller,
        hash: sha256(secret).toString("hex"),
      };
      await o.keys.put(stored);
      keys.set(id, stored);
      await o.audit
        ?.append({
          actor: ctx.caller,
          action: "key.create",
          target: id,
          result: "ok",
          details: { name: input.name, tenant: input.tenant ?? "*", roles: stored.roles },
        })
        .catch(() => {});
      return { ...toDto(stored), key };
    },

    list(): KeyDto[] {
      return [...keys.values()].map(toDto).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async revoke({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<void> {
      const k = keys.get(input.id);
      if (!k)
        throw new AppError("NOT_FOUND", `No key ${input.id}`, { details: [{ field: "id", rule: "must name an existing key" }] });
      if (!k.revokedAt) {
        const revoked = { ...k, revokedAt: new Date().toISOString() };
        await o.keys.put(revoked);
        keys.set(k.id, revoked);
      }
      await o.audit
        ?.append({ actor: ctx.caller, action: "key.revoke", target: input.id, result: "ok", details: { name: k.name } })
        .catch(() => {});
    },

    /** Console sign-in with a key: a session id for an httpOnly cookie. */
    async signIn(key: string): Promise<{ sessionId: string; expiresAt: string; caller: Omit<Caller, "via"> }> {
      const c = byKey(key);
      if (!c) {
        await o.audit
          ?.append({ actor: "anonymous", action: "session.sign-in", target: "-", result: "refused", details: {} })
          .catch(() => {});
        throw unauthenticated("The API key is not valid (unknown or revoked)");
      }
      const sessionId = randomBytes(32).toString("base64url");
      const expiresAt = new Date(Date.now() + o.sessionTtlMs).toISOString();
      const keyId = c.ctx.caller === "admin" ? "admin" : c.ctx.caller.slice(4);
      await o.sessions.put(sessionId, { keyId, expiresAt });
      await o.audit
        ?.append({ actor: c.ctx.caller, action: "session.sign-in", target: keyId, result: "ok", details: {} })
        .catch(() => {});
      return { sessionId, expiresAt, caller: c };
    },

    async signOut(sessionId: string): Promise<void> {
      sessionCache.delete(sessionId);
      await o.sessions.delete(sessionId);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
