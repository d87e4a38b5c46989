import { readFileSync } from "node:fs";
import { fromSeed } from "@nats-io/nkeys";
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  nkeyAuthenticator,
} from "@nats-io/transport-node";
import type { Config } from "../../config";
import "./answered-requests";

function readCreds(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`NATS_CREDS: cannot read ${file} (${(e as Error).message})`, { cause: e });
  }
}

/** The seed as bytes, checked now (nats.js would only fail at the handshake, with a vaguer message). */
function nkeySeed(seed: string): Uint8Array {
  const bytes = new TextEncoder().encode(seed.trim()); // a trailing newline from a file or a secret store
  try {
    fromSeed(bytes);
  } catch (e) {
    throw new Error("NATS_NKEY_SEED is not a valid nkey seed (it starts with SU…, as `nk -gen user` prints)", { cause: e });
  }
  return bytes;
}

/** Which setting to check when the server refuses the connection's credentials. */
function authSettings(cfg: Config): string {
  if (cfg.NATS_CREDS) return "NATS_CREDS";
  if (cfg.NATS_NKEY_SEED) return "NATS_NKEY_SEED";
  const set = [cfg.NATS_USER ? "NATS_USER / NATS_PASSWORD" : "", cfg.NATS_TOKEN ? "NATS_TOKEN" : ""].filter(Boolean);
  return set.length > 0 ? set.join(" and ") : "none is set (NATS_USER / NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED or NATS_CREDS)";
}

/**
 * The connection error with a hint naming the configuration to check: the bare nats.js messages
 * ("Authorization Violation", "unable to verify the first certificate", "timeout") do not say which.
 */
export function explainConnectError(e: unknown, cfg: Config): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const tls = Boolean(cfg.NATS_TLS_CA || cfg.NATS_TLS_CERT);
  let hint: string | undefined;
  if (/authorization violation|authentication|user authentication expired|permissions violation/i.test(msg)) {
    hint = `the server refused the credentials; check ${authSettings(cfg)}`;
  } else if (/certificate|self[- ]signed|CERT_|altnames|SSL|TLS/i.test(msg) && !/does not support 'tls'/.test(msg)) {
    hint = `TLS failed; check NATS_TLS_CA (the CA that signed the server's certificate)${cfg.NATS_TLS_CERT ? " and NATS_TLS_CERT / NATS_TLS_KEY" : ""}`;
  } else if (/does not support 'tls'|tls.+not available/i.test(msg)) {
    hint = "TLS is configured (NATS_TLS_CA / NATS_TLS_CERT) but the server does not offer TLS";
  } else if (/timeout/i.test(msg) && tls && !cfg.NATS_TLS_CERT) {
    hint = "a server that verifies clients (mutual TLS) closes connections without NATS_TLS_CERT / NATS_TLS_KEY";
  }
  return new Error(hint ? `${msg} (${hint})` : msg, { cause: e });
}

/** Connection options from config: servers, auth (user/password, token, nkey, creds) and TLS. */
export function natsOptions(cfg: Config, name = "anumate-event-bus"): NodeConnectionOptions {
  const opts: NodeConnectionOptions = {
    servers: cfg.NATS_URL,
    name: cfg.NATS_CLUSTER_ID ? `${name}@${cfg.NATS_CLUSTER_ID}` : name,
    maxReconnectAttempts: -1,
    // no async stack traces on requests: each JetStream publish would build Error objects (a large
    // share of publish CPU, measured in bench/); a timeout still says what timed out
    noAsyncTraces: true,
    reconnectTimeWait: 250,
    pingInterval: 10_000,
  };
  if (cfg.NATS_USER) {
    opts.user = cfg.NATS_USER;
    opts.pass = cfg.NATS_PASSWORD;
  }
  if (cfg.NATS_TOKEN) opts.token = cfg.NATS_TOKEN;
  if (cfg.NATS_CREDS) opts.authenticator = credsAuthenticator(readCreds(cfg.NATS_CREDS));
  else if (cfg.NATS_NKEY_SEED) opts.authenticator = nkeyAuthenticator(nkeySeed(cfg.NATS_NKEY_SEED));
  if (cfg.NATS_TLS_CA || cfg.NATS_TLS_CERT) {
    opts.tls = {
      ...(cfg.NATS_TLS_CA ? { caFile: cfg.NATS_TLS_CA } : {}),
      ...(cfg.NATS_TLS_CERT ? { certFile: cfg.NATS_TLS_CERT, keyFile: cfg.NATS_TLS_KEY } : {}),
    };
  }
  return opts;
}

/** A connection plus a live view of whether it is up (between disconnect and reconnect it is not). */
export interface NatsHandle {
  nc: NatsConnection;
  connected(): boolean;
  /** nats-server version as [major, minor, patch]. */
  serverVersion(): [number, number, number];
}

export async function connectNats(cfg: Config, log: (msg: string, extra?: object) => void, name?: string): Promise<NatsHandle> {
  let nc: NatsConnection;
  try {
    nc = await connect(natsOptions(cfg, name));
  } catch (e) {
    throw explainConnectError(e, cfg);
  }
  let up = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        up = false;
        log("nats disconnected", { server: (s as { server?: string }).server });
      } else if (s.type === "reconnect") {
        up = true;
        log("nats reconnected", { server: (s as { server?: string }).server });
      }
    }
  })().catch(() => {});
  return {
    nc,
    connected: () => up && !nc.isClosed() && !nc.isDraining(),
    serverVersion: () => {
      const [a, b, c] = (nc.info?.version ?? "0.0.0").split(".").map((n) => Number.parseInt(n, 10) || 0);
      return [a ?? 0, b ?? 0, c ?? 0];
    },
  };
}
