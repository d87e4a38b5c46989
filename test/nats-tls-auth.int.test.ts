import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createUser } from "@nats-io/nkeys";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainConnectError, natsOptions } from "../server/adapters/nats/connection";
import { createRedis } from "../server/adapters/redis/client";
import type { Config } from "../server/config";
import { createContainer } from "../server/container";
import { createLogger } from "../server/log";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { operatorSetup } from "../server/testing/nats-jwt";
import { type ServerProcess, startNatsServerWithConfig, startRedisServerWith } from "../server/testing/processes";
import { createTestPki, type TestPki } from "../server/testing/tls";

/**
 * The bus against servers that demand authentication and TLS: nats-server processes of this test
 * (TLS with client verification + user/password, token, nkey, creds in operator mode) and
 * redis-server processes (password, TLS with client certificates), with certificates made here.
 */

let pki: TestPki;
const servers: ServerProcess[] = [];
/** The shared NATS (for `cleanup` of the Redis keys; the private servers are thrown away whole). */
const sharedNats = testConfig().NATS_URL;

beforeAll(() => {
  pki = createTestPki();
});
afterAll(async () => {
  for (const s of servers) await s.dispose();
  pki?.dispose();
});

async function natsServer(auth: string, tls = false): Promise<ServerProcess> {
  const s = await startNatsServerWithConfig((port, dir) =>
    [
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: ${JSON.stringify(path.join(dir, "js"))} }`,
      tls
        ? `tls { cert_file: ${JSON.stringify(pki.serverCert)}, key_file: ${JSON.stringify(pki.serverKey)}, ca_file: ${JSON.stringify(pki.ca)}, verify: true, timeout: 2 }`
        : "",
      auth,
      "",
    ].join("\n"),
  );
  servers.push(s);
  return s;
}

/** Runs `fn` against an app on `overrides`, then stops it and deletes its Redis keys. */
async function withApp(overrides: Record<string, string>, fn: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await startTestApp(testConfig(overrides));
  try {
    await fn(app);
  } finally {
    await app.stop();
    await cleanup({ ...app.config, NATS_URL: sharedNats });
  }
}

/** Publishes one event through the API and reads it back by its sequence. */
async function roundTrip(app: TestApp): Promise<void> {
  const id = randomUUID();
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/tls", type: "com.anumate.tls.checked", data: { ok: true } }),
  });
  const body = (await res.json()) as { seq: number };
  expect(res.status, JSON.stringify(body)).toBe(202);
  const back = await fetch(`${app.url}/api/events/${body.seq}`);
  expect(back.status).toBe(200);
  expect(((await back.json()) as { event: { id: string; data: unknown } }).event).toMatchObject({ id, data: { ok: true } });
}

/** The start-up error of a container on `overrides` (fails the test if it starts). */
async function startupError(overrides: Record<string, string>): Promise<string> {
  const config: Config = testConfig(overrides);
  const started = await createContainer(config, { logger: createLogger("silent") }).then(
    async (c) => {
      await c.stop();
      return undefined;
    },
    (e: Error) => e.message,
  );
  expect(started, "the container started although it should not have").toBeDefined();
  return started as string;
}

async function health(app: TestApp): Promise<{ status: string; details: { redis_connected: boolean; nats_connected: boolean } }> {
  return (await (await fetch(`${app.url}/api/health`)).json()) as {
    status: string;
    details: { redis_connected: boolean; nats_connected: boolean };
  };
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe("NATS with TLS (mutual) and user / password", () => {
  const password = `pw-${randomBytes(6).toString("hex")}`;
  let srv: ServerProcess;
  const tlsFiles = () => ({ NATS_TLS_CA: pki.ca, NATS_TLS_CERT: pki.clientCert, NATS_TLS_KEY: pki.clientKey });
  beforeAll(async () => {
    srv = await natsServer(`authorization { user: anumate, password: ${JSON.stringify(password)} }`, true);
  });

  it("connects over TLS with a client certificate and publishes + reads back an event", async () => {
    await withApp({ NATS_URL: srv.url, NATS_USER: "anumate", NATS_PASSWORD: password, ...tlsFiles() }, async (app) => {
      expect(app.container.nats.nc.info?.tls_required).toBe(true);
      expect(app.container.nats.nc.info?.tls_verify).toBe(true);
      await roundTrip(app);
      expect((await health(app)).details.nats_connected).toBe(true);
    });
  });

  it("accepts the tls:// scheme and a host name matching the certificate", async () => {
    await withApp(
      { NATS_URL: `tls://localhost:${srv.port}`, NATS_USER: "anumate", NATS_PASSWORD: password, ...tlsFiles() },
      roundTrip,
    );
  });

  it("a wrong password fails start-up, naming the settings to check and not the password", async () => {
    const msg = await startupError({ NATS_URL: srv.url, NATS_USER: "anumate", NATS_PASSWORD: "wrong-password", ...tlsFiles() });
    expect(msg).toMatch(/Cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: Authorization Violation/);
    expect(msg).toContain("the server refused the credentials; check NATS_USER / NATS_PASSWORD");
    expect(msg).not.toContain("wrong-password");
  });

  it("credentials in the URL are redacted from the start-up error", async () => {
    const msg = await startupError({ NATS_URL: `nats://anumate:url-secret-pw@127.0.0.1:${srv.port}`, ...tlsFiles() });
    expect(msg).toMatch(/Authorization Violation/);
    expect(msg).toContain("nats://[redacted]@127.0.0.1");
    expect(msg).not.toContain("url-secret-pw");
  });

  it("a CA that did not sign the server's certificate fails start-up naming NATS_TLS_CA", async () => {
    const msg = await startupError({
      NATS_URL: srv.url,
      NATS_USER: "anumate",
      NATS_PASSWORD: password,
      ...tlsFiles(),
      NATS_TLS_CA: pki.otherCa,
    });
    expect(msg).toMatch(/certificate/i);
    expect(msg).toContain("check NATS_TLS_CA");
  });

  it("without the client certificate the verifying server refuses; the message says a client certificate is needed", async () => {
    // nats.js notices the server's TLS alert only at its connect timeout (20 s by default): shortened here
    const cfg = testConfig({ NATS_URL: srv.url, NATS_USER: "anumate", NATS_PASSWORD: password, NATS_TLS_CA: pki.ca });
    const err = await connect({ ...natsOptions(cfg), timeout: 1500 }).then(
      async (nc) => {
        await nc.close();
        return undefined;
      },
      (e: unknown) => explainConnectError(e, cfg),
    );
    expect(err?.message).toContain(
      "a server that verifies clients (mutual TLS) closes connections without NATS_TLS_CERT / NATS_TLS_KEY",
    );
  });
});

describe("NATS token", () => {
  const token = `tok-${randomBytes(8).toString("hex")}`;
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await natsServer(`authorization { token: ${JSON.stringify(token)} }`);
  });

  it("connects with NATS_TOKEN and publishes + reads back", async () => {
    await withApp({ NATS_URL: srv.url, NATS_TOKEN: token }, roundTrip);
  });

  it("a wrong token, or none, fails start-up naming what to check", async () => {
    const wrong = await startupError({ NATS_URL: srv.url, NATS_TOKEN: "not-the-token" });
    expect(wrong).toContain("Authorization Violation (the server refused the credentials; check NATS_TOKEN)");
    const none = await startupError({ NATS_URL: srv.url });
    expect(none).toMatch(
      /Authorization Violation .*none is set \(NATS_USER \/ NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED or NATS_CREDS\)/,
    );
  });
});

describe("NATS nkey", () => {
  const user = createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await natsServer(`authorization { users: [ { nkey: ${user.getPublicKey()} } ] }`);
  });

  it("connects with NATS_NKEY_SEED (a trailing newline, as from a secrets file, is ignored)", async () => {
    await withApp({ NATS_URL: srv.url, NATS_NKEY_SEED: `${seed}\n` }, roundTrip);
  });

  it("another key's seed is refused and a malformed seed is named before connecting", async () => {
    const other = new TextDecoder().decode(createUser().getSeed());
    expect(await startupError({ NATS_URL: srv.url, NATS_NKEY_SEED: other })).toContain("check NATS_NKEY_SEED");
    const bad = await startupError({ NATS_URL: srv.url, NATS_NKEY_SEED: "SUNOTASEED" });
    expect(bad).toContain("NATS_NKEY_SEED is not a valid nkey seed");
  });
});

describe("NATS creds file (operator mode, MEMORY resolver)", () => {
  const setup = operatorSetup();
  let srv: ServerProcess;
  let credsPath: string;
  let foreignPath: string;
  beforeAll(async () => {
    srv = await natsServer(setup.serverConfig);
    credsPath = path.join(pki.dir, "user.creds");
    foreignPath = path.join(pki.dir, "foreign.creds");
    writeFileSync(credsPath, setup.creds, { mode: 0o600 });
    writeFileSync(foreignPath, setup.foreignCreds, { mode: 0o600 });
  });

  it("connects with NATS_CREDS (JetStream enabled on the account) and publishes + reads back", async () => {
    await withApp({ NATS_URL: srv.url, NATS_CREDS: credsPath }, roundTrip);
  });

  it("creds of an unknown account are refused; a missing creds file is named", async () => {
    expect(await startupError({ NATS_URL: srv.url, NATS_CREDS: foreignPath })).toContain(
      "Authorization Violation (the server refused the credentials; check NATS_CREDS)",
    );
    const missing = path.join(pki.dir, "nope.creds");
    expect(await startupError({ NATS_URL: srv.url, NATS_CREDS: missing })).toContain(`NATS_CREDS: cannot read ${missing}`);
  });
});

describe("Redis with a password", () => {
  const password = `redis-${randomBytes(6).toString("hex")}`;
  let redis: ServerProcess;
  beforeAll(async () => {
    redis = await startRedisServerWith(["--requirepass", password]);
    servers.push(redis);
  });

  it("REDIS_URL with the password: health says redis_connected", async () => {
    await withApp({ REDIS_URL: `redis://:${password}@127.0.0.1:${redis.port}` }, async (app) => {
      expect(await waitFor(async () => (await health(app)).details.redis_connected)).toBe(true);
      expect((await health(app)).status).toBe("healthy");
      await roundTrip(app);
    });
  });

  it("a wrong password: health says degraded, publishes still work, the error is logged once", async () => {
    await withApp({ REDIS_URL: `redis://:wrong@127.0.0.1:${redis.port}` }, async (app) => {
      await new Promise((r) => setTimeout(r, 1000)); // several reconnect attempts
      const h = await health(app);
      expect(h.status).toBe("degraded");
      expect(h.details.redis_connected).toBe(false);
      expect(h.details.nats_connected).toBe(true);
      await roundTrip(app);
    });
    // the client says why, once, although it was never ready (before: errors before the first "ready" were silent)
    const logged: string[] = [];
    const client = createRedis(`redis://:wrong@127.0.0.1:${redis.port}`, (msg, extra) =>
      logged.push(`${msg} ${JSON.stringify(extra ?? {})}`),
    );
    await client.connect().catch(() => {});
    await new Promise((r) => setTimeout(r, 1500));
    client.disconnect();
    const errors = logged.filter((l) => l.startsWith("redis error"));
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/WRONGPASS|invalid password|invalid username-password/i);
  });

  it("the configuration view redacts the Redis password", async () => {
    await withApp(
      { REDIS_URL: `redis://:${password}@127.0.0.1:${redis.port}`, ADMIN_API_KEY: "admin-key-not-shown" },
      async (app) => {
        const res = await fetch(`${app.url}/api/config`);
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).not.toContain(password);
        expect(text).not.toContain("admin-key-not-shown");
        expect(JSON.parse(text).REDIS_URL).toBe(`redis://[redacted]@127.0.0.1:${redis.port}`);
      },
    );
  });
});

describe("Redis over TLS (the Debian redis-server is built with TLS)", () => {
  const password = `redis-${randomBytes(6).toString("hex")}`;
  let redis: ServerProcess;
  beforeAll(async () => {
    // tls-auth-clients defaults to yes: the server checks client certificates
    redis = await startRedisServerWith(
      [
        "--tls-cert-file",
        pki.serverCert,
        "--tls-key-file",
        pki.serverKey,
        "--tls-ca-cert-file",
        pki.ca,
        "--requirepass",
        password,
      ],
      { tls: true },
    );
    servers.push(redis);
  });

  it("rediss:// with REDIS_TLS_CA and a client certificate: health says redis_connected", async () => {
    await withApp(
      {
        REDIS_URL: `rediss://:${password}@127.0.0.1:${redis.port}`,
        REDIS_TLS_CA: pki.ca,
        REDIS_TLS_CERT: pki.clientCert,
        REDIS_TLS_KEY: pki.clientKey,
      },
      async (app) => {
        expect(await waitFor(async () => (await health(app)).details.redis_connected)).toBe(true);
        expect(await app.container.redis.ping()).toBe("PONG");
        await roundTrip(app);
      },
    );
  });

  it("without the CA (system CAs only) or without the client certificate Redis is not connected", async () => {
    const tryClient = async (files: { ca?: string; cert?: string; key?: string }) => {
      const logged: string[] = [];
      const client = createRedis(
        `rediss://:${password}@127.0.0.1:${redis.port}`,
        (msg, extra) => logged.push(`${msg} ${JSON.stringify(extra ?? {})}`),
        files,
      );
      const ok = await client.connect().then(
        () => client.status === "ready",
        () => false,
      );
      client.disconnect();
      return { ok, logged: logged.join("\n") };
    };
    const noCa = await tryClient({ cert: pki.clientCert, key: pki.clientKey });
    expect(noCa.ok).toBe(false);
    expect(noCa.logged).toMatch(/certificate/i);
    const noCert = await tryClient({ ca: pki.ca });
    expect(noCert.ok).toBe(false);
    expect((await tryClient({ ca: pki.ca, cert: pki.clientCert, key: pki.clientKey })).ok).toBe(true);
  });

  it("REDIS_TLS_* need a rediss:// URL and go together; an unreadable CA file is named at start-up", async () => {
    expect(() => testConfig({ REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_TLS_CA: pki.ca })).toThrow(
      /REDIS_URL: must be a rediss:\/\/ URL/,
    );
    expect(() => testConfig({ REDIS_URL: `rediss://127.0.0.1:${redis.port}`, REDIS_TLS_CERT: pki.clientCert })).toThrow(
      /REDIS_TLS_KEY: REDIS_TLS_CERT and REDIS_TLS_KEY go together/,
    );
    const missing = path.join(pki.dir, "missing-ca.pem");
    const msg = await startupError({ REDIS_URL: `rediss://127.0.0.1:${redis.port}`, REDIS_TLS_CA: missing });
    expect(msg).toContain(`REDIS_TLS_CA: cannot read ${missing}`);
  });
});
