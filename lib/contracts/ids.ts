import { z } from "zod";

/**
 * Identifier rules shared by the bus and the console. A tenant id becomes one NATS subject token,
 * so it is kept to safe characters.
 */
export const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const TENANT_RULE = "must be 1-64 characters of A-Z, a-z, 0-9, _ or -";
export const tenantIdSchema = z.string().regex(TENANT_ID, TENANT_RULE);

/** W3C trace context `traceparent` (version-traceid-parentid-flags). */
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
