import type { StreamFigures } from "./bus/ports";

export type HealthStatus = "healthy" | "degraded" | "unhealthy";

/** The seed's health shape (API.md "Health and metrics"). */
export interface Health {
  status: HealthStatus;
  timestamp: string;
  details: {
    nats_connected: boolean;
    redis_connected: boolean;
    running: boolean;
    stream?: StreamFigures;
    dead_letter_stream?: StreamFigures;
    error?: string;
  };
}

export interface HealthProbes {
  natsConnected(): boolean;
  redisConnected(): boolean;
  running(): boolean;
  streams(): Promise<{ events: StreamFigures; deadLetters: StreamFigures }>;
}

/** NATS down → unhealthy (no event can be taken); Redis down → degraded (events still flow). */
export async function checkHealth(p: HealthProbes, now = new Date()): Promise<Health> {
  const nats = p.natsConnected();
  const redis = p.redisConnected();
  const running = p.running();
  const details: Health["details"] = { nats_connected: nats, redis_connected: redis, running };
  if (nats) {
    try {
      const s = await p.streams();
      details.stream = s.events;
      details.dead_letter_stream = s.deadLetters;
    } catch (e) {
      details.error = `stream info unavailable: ${(e as Error).message}`;
    }
  }
  const status: HealthStatus = !nats || !running ? "unhealthy" : !redis || details.error ? "degraded" : "healthy";
  return { status, timestamp: now.toISOString(), details };
}
