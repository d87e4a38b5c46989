/**
 * The service as a separate process, for tests that kill it (-9). Reads its config from the
 * environment (as server.ts does), serves the API without Next, prints its URL on stdout.
 */
import { loadConfig } from "../config";
import { createContainer } from "../container";
import { createHttpServer } from "../transport/http/server";

const config = loadConfig();
const container = await createContainer(config);
const http = createHttpServer(container);
const port = await http.listen(config.API_PORT, "127.0.0.1");
process.stdout.write(`READY http://127.0.0.1:${port}\n`);
process.on("SIGTERM", async () => {
  await http.close(1000);
  await container.stop();
  process.exit(0);
});
