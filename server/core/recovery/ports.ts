import type { CloudEvent } from "../cloudevents/event";
import type { AttemptError, DeadLetterRecord } from "../delivery/ports";

/** A dead letter as stored: the event, its failure record and its position in the dead-letter stream. */
export interface DeadLetterEntry {
  /** Its sequence in the dead-letter stream. */
  seq: number;
  deadLetteredAt: string;
  event: CloudEvent;
  record: DeadLetterRecord & { omittedAttempts?: number };
}

/** What can be read by subject in the dead-letter stream: tenant and subscription. */
export interface DeadLetterScope {
  tenant?: string;
  subscription?: string;
}

export interface DeadLetterStore {
  /** Entries in order from `fromSeq`, up to the last one stored when the scan began. */
  scan(scope: DeadLetterScope, opts?: { fromSeq?: number; headersOnly?: boolean }): AsyncIterable<DeadLetterEntry>;
  get(seq: number): Promise<DeadLetterEntry | undefined>;
  /** Removes an entry; false when it was already gone. */
  remove(seq: number): Promise<boolean>;
}

/** A copy of an event for one subscription alone (the redelivery stream). */
export interface RedeliveryItem {
  subscription: string;
  event: CloudEvent;
  tenant: string;
  originalSeq: number;
  originalSubject: string;
  storedAt: string;
  /** Deduplication id: the same id within the duplicate window is delivered once. */
  msgId: string;
  replayId?: string;
  requeueOf?: number;
  /** Deliveries it already had (a replayed event a lane handed back): counted as JetStream's own. */
  delivered?: number;
}

export interface Redelivery {
  /** Stores the copies pipelined; resolves once all are acknowledged (rejects if any is not). */
  send(items: RedeliveryItem[]): Promise<void>;
}

export type JobKind = "requeue" | "discard" | "replay";
export type JobState = "pending" | "running" | "completed" | "cancelled" | "interrupted" | "failed";

/** A background job (bulk requeue / discard, replay), kept in NATS KV so every replica can report it. */
export interface Job {
  id: string;
  kind: JobKind;
  state: JobState;
  total: number;
  done: number;
  failed: number;
  /** Tenant scope of the caller who started it (`*` for all). */
  tenants: "*" | string[];
  actor: string;
  createdAt: string;
  updatedAt: string;
  /** The replica running it and its last sign of life (a stale one means it was interrupted). */
  owner: string;
  heartbeatAt: string;
  /** Last position handled (dead-letter or event stream seq), for "how far it got". */
  position?: number;
  error?: string;
  /** What the job does (kept so an interrupted job can be understood). */
  spec: Record<string, unknown>;
}

export interface JobStore {
  put(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  result: "ok" | "refused" | "failed";
  details: Record<string, unknown>;
  tenant?: string;
}

/** The audit trail: append-only (JetStream). */
export interface AuditLog {
  append(r: Omit<AuditRecord, "id" | "at">): Promise<void>;
  list(q: {
    actor?: string;
    action?: string;
    from?: string;
    to?: string;
    tenant?: string;
    fromSeq?: number;
    limit: number;
  }): Promise<{
    items: (AuditRecord & { seq: number })[];
    nextSeq: number | null;
  }>;
}

export type { AttemptError };
