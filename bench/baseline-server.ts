import { createServer } from "node:http";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { emit, NATS_URL } from "./common";

/**
 * Case (b), in its own process: the least an HTTP front of JetStream can do — read the body, one
 * JetStream publish (Nats-Msg-Id from the x-bench-id header), await the PubAck, answer 202.
 * env BENCH_SUBJECT: where to publish.
 */

const subject = process.env.BENCH_SUBJECT;
if (!subject) throw new Error("BENCH_SUBJECT is required");

async function main(subj: string) {
  const nc = await connect({ servers: NATS_URL, name: "bench-baseline-http" });
  const js = jetstream(nc);
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const id = req.headers["x-bench-id"];
      js.publish(subj, body, typeof id === "string" ? { msgID: id } : {}).then(
        (ack) => {
          const out = JSON.stringify({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate });
          res.writeHead(202, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
          res.end(out);
        },
        (e) => {
          const out = JSON.stringify({ error: String(e) });
          res.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
          res.end(out);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  emit("READY", { url: `http://127.0.0.1:${port}` });

  process.once("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    nc.drain().finally(() => process.exit(0));
  });
}

main(subject).catch((e) => {
  console.error(`baseline server failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
