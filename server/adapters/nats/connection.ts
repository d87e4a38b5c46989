import { readFileSync } from "node:fs";
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  nkeyAuthenticator,
} from "@nats-io/transport-node";
import type { Config } from "../../config";

/** Connection options from config: servers, auth (user/password, token, nkey, creds) and TLS. */
export function natsOptions(cfg: Config, name = "anumate-event-bus"): NodeConnectionOptions {
  const opts: NodeConnectionOptions = {
    servers: cfg.NATS_URL,
    name: cfg.NATS_CLUSTER_ID ? `${name}@${cfg.NATS_CLUSTER_ID}` : name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 10_000,
  };
  if (cfg.NATS_USER) {
    opts.user = cfg.NATS_USER;
    opts.pass = cfg.NATS_PASSWORD;
  }
  if (cfg.NATS_TOKEN) opts.token = cfg.NATS_TOKEN;
  if (cfg.NATS_CREDS) opts.authenticator = credsAuthenticator(readFileSync(cfg.NATS_CREDS));
  else if (cfg.NATS_NKEY_SEED) opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(cfg.NATS_NKEY_SEED));
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

export async function connectNats(cfg: Config, log: (msg: string, extra?: object) => void): Promise<NatsHandle> {
  const nc = await connect(natsOptions(cfg));
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
