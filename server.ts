/**
 * Entry point: parse config → build the container → prepare Next → serve HTTP.
 * The API (/api/*, /metrics) is served by the container's router; pages by Next.
 * SIGTERM/SIGINT: stop taking requests, finish those under way, drain NATS, quit Redis.
 */
import next from "next";
import { ConfigError, loadConfig, redactConfig } from "./server/config";
import { createContainer, setContainer } from "./server/container";
import { createHttpServer } from "./server/transport/http/server";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const dev = config.NODE_ENV === "development";
  const container = await createContainer(config);
  setContainer(container);
  const log = container.log;
  log.info({ config: redactConfig(config) }, "configuration");

  const app = next({ dev, dir: process.cwd(), hostname: config.API_HOST, port: config.API_PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = dev ? app.getUpgradeHandler() : undefined;
  const http = createHttpServer(container, (req, res) => handle(req, res), {
    // Next's hot-reload socket in development; in production only /api/ws upgrades
    ...(upgrade ? { upgrade: (req, socket, head) => void upgrade(req, socket, head) } : {}),
  });
  const port = await http.listen(config.API_PORT, config.API_HOST);
  log.info(
    { url: `http://${config.API_HOST === "0.0.0.0" ? "localhost" : config.API_HOST}:${port}` },
    "Anumate Event Bus is listening",
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await http.close();
    await container.stop();
    await app.close?.().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((e) => {
  console.error(`Anumate Event Bus failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
