import { describe, expect, it } from "vitest";
import { loadConfig, redactConfig, redactUrl } from "./config";

describe("redactConfig", () => {
  it("shows no secret: passwords, tokens, seeds, keys, creds, credentials in URLs", () => {
    const secrets = {
      NATS_PASSWORD: "nats-pass-1",
      NATS_TOKEN: "nats-token-2",
      NATS_NKEY_SEED: "SUAnkeyseed3",
      NATS_CREDS: "/run/secrets/nats-4.creds",
      ADMIN_API_KEY: "admin-key-5",
    };
    const cfg = loadConfig({
      ...secrets,
      NATS_USER: "anumate",
      NATS_URL: "nats://u:url-pass-6@nats-a:4222,tls://nats-b:4222?token=url-token-7",
      REDIS_URL: "rediss://default:p/a@ss-8@redis:6380/0?password=query-pass-9",
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel:otel-pass-10@collector:4318",
      NATS_TLS_KEY: "/certs/client.key",
      NATS_TLS_CERT: "/certs/client.pem",
      REDIS_TLS_CERT: "/certs/redis-client.pem",
      REDIS_TLS_KEY: "/certs/redis-client.key",
    });
    const shown = redactConfig(cfg);
    const text = JSON.stringify(shown);
    for (const s of [
      ...Object.values(secrets),
      "url-pass-6",
      "url-token-7",
      "p/a@ss-8",
      "ss-8",
      "query-pass-9",
      "otel-pass-10",
    ]) {
      expect(text, s).not.toContain(s);
    }
    expect(shown.ADMIN_API_KEY).toBe("[redacted]");
    expect(shown.NATS_URL).toEqual(["nats://[redacted]@nats-a:4222", "tls://nats-b:4222?token=[redacted]"]);
    expect(shown.REDIS_URL).toBe("rediss://[redacted]@redis:6380/0?password=[redacted]");
    // file paths, not secrets
    expect(shown.NATS_TLS_KEY).toBe("/certs/client.key");
    expect(shown.REDIS_TLS_KEY).toBe("/certs/redis-client.key");
    expect(shown.NATS_USER).toBe("anumate");
  });

  it("leaves URLs without credentials alone", () => {
    expect(redactUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(redactUrl("nats://host:4222")).toBe("nats://host:4222");
  });
});

describe("loadConfig switches", () => {
  it("reads the reading thread's switches (on by default) and names a bad value", () => {
    expect(loadConfig({})).toMatchObject({ RANGE_READ_THREAD: true, PULL_THREAD: true });
    expect(loadConfig({ PULL_THREAD: "false", RANGE_READ_THREAD: "0" })).toMatchObject({
      RANGE_READ_THREAD: false,
      PULL_THREAD: false,
    });
    expect(() => loadConfig({ PULL_THREAD: "yes" })).toThrow(/PULL_THREAD/);
  });
});
