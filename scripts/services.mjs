#!/usr/bin/env node
// Makes sure NATS (with JetStream) and Redis answer before the app or the tests start.
// When one does not answer on a loopback address and its server binary is on PATH, it is started
// with a data folder inside the project (.data/). Otherwise: a clear message and exit code 1.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = path.join(root, ".data");

function hostPort(url, defPort) {
  const u = new URL(url.includes("://") ? url : `nats://${url}`);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port) || defPort };
}

/** Resolves with the first bytes the server sends (NATS sends INFO) or "" for servers that wait (Redis). */
function probe({ host, port }, send) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let buf = "";
    const done = (v) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(1500, () => done(buf.length > 0 ? buf : null));
    sock.on("error", () => done(null));
    sock.on("connect", () => {
      if (send) sock.write(send);
    });
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf);
    });
  });
}

const natsAnswers = async (hp) => {
  const info = await probe(hp);
  return info?.startsWith("INFO") === true;
};
const redisAnswers = async (hp) => {
  const r = await probe(hp, "PING\r\n");
  return r !== null && (r.startsWith("+PONG") || r.startsWith("-NOAUTH"));
};

const onPath = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim();
const isLoopback = (host) => ["127.0.0.1", "localhost", "::1"].includes(host);

async function waitFor(check, hp, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check(hp)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function startDetached(bin, args, logName) {
  mkdirSync(dataDir, { recursive: true });
  const out = openSync(path.join(dataDir, logName), "a");
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", out, out] });
  child.unref();
}

async function ensure({ name, url, defPort, check, bin, args, compose, verify }) {
  const hp = hostPort(url, defPort);
  if (await check(hp)) {
    const problem = verify ? await verify(hp) : undefined;
    if (problem) {
      console.error(problem);
      process.exit(1);
    }
    return `${name} answers at ${hp.host}:${hp.port}`;
  }
  const exe = onPath(bin);
  if (!exe || !isLoopback(hp.host)) {
    console.error(
      `${name} does not answer at ${hp.host}:${hp.port}${exe ? "" : ` and ${bin} is not installed`}.\n` +
        `Start it with Docker:   docker compose up -d ${compose}\n` +
        `or install ${bin} (e.g. apt-get install ${bin === "nats-server" ? "nats-server" : "redis-server"}) and run this again.`,
    );
    process.exit(1);
  }
  startDetached(exe, args(hp), `${bin}.log`);
  if (!(await waitFor(check, hp, 15_000))) {
    console.error(`Started ${exe} but ${name} still does not answer at ${hp.host}:${hp.port}; see .data/${bin}.log`);
    process.exit(1);
  }
  return `${name} started at ${hp.host}:${hp.port} (data in .data/, log .data/${bin}.log)`;
}

const natsUrl = (process.env.NATS_URL || "nats://127.0.0.1:4222").split(",")[0].trim();
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

const results = await Promise.all([
  ensure({
    name: "NATS",
    url: natsUrl,
    defPort: 4222,
    check: natsAnswers,
    bin: "nats-server",
    compose: "nats",
    verify: async (hp) => {
      const info = (await probe(hp)) ?? "";
      return /"jetstream"\s*:\s*true/.test(info)
        ? undefined
        : `NATS at ${hp.host}:${hp.port} runs without JetStream; restart it with -js (docker compose's nats does).`;
    },
    args: ({ host, port }) => {
      mkdirSync(path.join(dataDir, "nats"), { recursive: true });
      return ["-a", host, "-p", String(port), "-js", "-sd", path.join(dataDir, "nats")];
    },
  }),
  ensure({
    name: "Redis",
    url: redisUrl,
    defPort: 6379,
    check: redisAnswers,
    bin: "redis-server",
    compose: "redis",
    args: ({ host, port }) => {
      mkdirSync(path.join(dataDir, "redis"), { recursive: true });
      return ["--bind", host, "--port", String(port), "--save", "", "--appendonly", "no", "--dir", path.join(dataDir, "redis")];
    },
  }),
]);
if (!process.argv.includes("--quiet")) for (const r of results) console.log(r);
