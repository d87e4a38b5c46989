import { z } from "zod";

/** `GET /api/audit` (docs/api.md "Audit"): who did what, when, with what result. */
export const auditRecordSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  result: z.string(),
  details: z.record(z.string(), z.unknown()).default({}),
  tenant: z.string().optional(),
});

export type AuditRecordDto = z.infer<typeof auditRecordSchema>;

export const auditPageSchema = z.object({ items: z.array(auditRecordSchema), next: z.string().nullable() });

/** The actions the bus records (docs/api.md "Audit"), offered by the audit page's filter. */
export const AUDIT_ACTIONS = [
  "subscription.create",
  "subscription.update",
  "subscription.delete",
  "subscription.pause",
  "subscription.resume",
  "subscription.reset",
  "dead-letter.requeue",
  "dead-letter.discard",
  "dead-letter.requeue-bulk-start",
  "dead-letter.requeue-bulk",
  "dead-letter.discard-bulk-start",
  "dead-letter.discard-bulk",
  "replay.create",
  "replay.cancel",
  "replay.end",
  "key.create",
  "key.revoke",
  "session.sign-in",
] as const;
