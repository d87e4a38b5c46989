import { RequestOne } from "@nats-io/nats-core/internal";

/**
 * nats.js (3.4) ends every answered request with `cancel()`, which rejects the promise it has just
 * resolved with a new `RequestError("cancelled")`: an Error, with its stack trace, built for nothing
 * on every JetStream publish and every acknowledged ack — a measured share of the server's CPU and
 * garbage under load (bench/delivery.ts --profile). An answer now resolves and unregisters the
 * request as before without building it; errors, timeouts and real cancels are handled as they were.
 */
interface RequestInternals {
  timer?: { cancel(): void };
  mux: { cancel(r: unknown): void };
  deferred: { resolve(v: unknown): void };
}

const proto = RequestOne.prototype as unknown as {
  resolver(err: Error | null, msg: unknown): void;
  __answeredPatched?: true;
};
if (!proto.__answeredPatched) {
  const resolver = proto.resolver;
  proto.resolver = function (this: RequestInternals, err: Error | null, msg: unknown) {
    if (err) return resolver.call(this, err, msg);
    this.timer?.cancel();
    this.deferred.resolve(msg);
    this.mux.cancel(this);
  };
  proto.__answeredPatched = true;
}
