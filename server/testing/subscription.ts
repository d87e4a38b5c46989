import type { Subscription } from "../core/delivery/ports";

export type SubscriptionOverrides = Partial<Omit<Subscription, "retry" | "circuit">> & {
  retry?: Partial<Subscription["retry"]>;
  circuit?: Partial<Subscription["circuit"]>;
};

/** A subscription definition for unit tests ("orders", internal target), with the given fields changed. */
export function testSubscription(o: SubscriptionOverrides = {}): Subscription {
  const { retry, circuit, ...rest } = o;
  return {
    id: "sub-1",
    name: "orders",
    queueGroup: "orders",
    target: { type: "internal" },
    startAt: { type: "new" },
    maxInFlight: 10,
    state: "active",
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-01T00:00:00.000Z",
    ...rest,
    retry: { maxAttempts: 3, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0, ackWaitMs: 30_000, ...retry },
    circuit: { failureThreshold: 100, cooldownMs: 10_000, ...circuit },
  };
}
