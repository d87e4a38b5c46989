import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Extra nats-server / redis-server processes for tests that stop or kill a server.
 * The shared servers on 4222 / 6379 are never touched.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

export interface ServerProcess {
  port: number;
  url: string;
  /** Starts (again) on the same port and data folder. */
  start(): Promise<void>;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills and removes the data folder. */
  dispose(): Promise<void>;
}

function managed(cmd: string, args: (port: number, dir: string) => string[], scheme: string): () => Promise<ServerProcess> {
  return async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), `${cmd}-`));
    let child: ChildProcess | undefined;
    const proc: ServerProcess = {
      port,
      url: `${scheme}://127.0.0.1:${port}`,
      async start() {
        child = spawn(cmd, args(port, dir), { stdio: "ignore" });
        await waitForPort(port);
      },
      async kill(signal = "SIGKILL") {
        const c = child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          c.once("exit", () => resolve());
          c.kill(signal);
        });
        child = undefined;
      },
      async dispose() {
        await proc.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      },
    };
    await proc.start();
    return proc;
  };
}

/** A nats-server with JetStream on a free port and its own store folder. */
export const startNatsServer = managed(
  "nats-server",
  (port, dir) => ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir],
  "nats",
);

/** A redis-server on a free port that keeps nothing on disk. */
export const startRedisServer = managed(
  "redis-server",
  (port, dir) => ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir],
  "redis",
);

/**
 * A nats-server on a free port started from a configuration file: `conf` returns its text (it must
 * `listen` on 127.0.0.1:`port`; `dir` is the process's own folder, for the JetStream store and files).
 */
export function startNatsServerWithConfig(conf: (port: number, dir: string) => string): Promise<ServerProcess> {
  return managed(
    "nats-server",
    (port, dir) => {
      const file = path.join(dir, "nats-server.conf");
      writeFileSync(file, conf(port, dir));
      return ["-c", file];
    },
    "nats",
  )();
}

/**
 * A redis-server on a free port with extra arguments (e.g. `--requirepass`). With `tls: true` the
 * free port is the TLS port (`--tls-port`), the plain port is off and the URL is `rediss://`.
 */
export function startRedisServerWith(extra: string[], opts: { tls?: boolean } = {}): Promise<ServerProcess> {
  return managed(
    "redis-server",
    (port, dir) => [
      "--bind",
      "127.0.0.1",
      ...(opts.tls ? ["--port", "0", "--tls-port", String(port)] : ["--port", String(port)]),
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      ...extra,
    ],
    opts.tls ? "rediss" : "redis",
  )();
}

/** Starts the service in a child process with this config (as environment); resolves with its URL. */
export async function startChildApp(
  env: Record<string, string>,
): Promise<{ url: string; kill(signal?: NodeJS.Signals): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/testing/child-app.ts"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`child app exited (${code}) before it was ready`)));
  });
  return {
    url,
    kill: (signal = "SIGKILL") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
