import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { StreamFigures } from "../../core/bus/ports";

const NS = 1_000_000_000;

export interface StreamSpec {
  name: string;
  subjects: string[];
  maxMsgs: number;
  maxBytes: number;
  maxAgeSec: number;
  replicas: number;
  duplicateWindowSec: number;
}

/** Raised when a stream exists with a configuration we may not change; it is left untouched. */
export class StreamConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamConflictError";
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s) => b.includes(s));
}

/**
 * Creates the stream, or updates its limits to match. A stream that exists with other subjects
 * or storage is reported and left as it is; so is a subject overlap with another stream.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<"created" | "updated" | "unchanged"> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: spec.subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs: spec.maxMsgs,
    max_bytes: spec.maxBytes,
    max_age: spec.maxAgeSec * NS,
    num_replicas: spec.replicas,
    duplicate_window: Math.min(spec.duplicateWindowSec, spec.maxAgeSec) * NS,
  };
  let existing: StreamConfig | undefined;
  try {
    existing = (await jsm.streams.info(spec.name)).config;
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === 10059)) throw e; // 10059: stream not found
  }
  if (!existing) {
    try {
      await jsm.streams.add(wanted);
      return "created";
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10065) {
        throw new StreamConflictError(
          `Cannot create stream ${spec.name}: its subjects ${spec.subjects.join(", ")} overlap those of another stream. ` +
            "Change SUBJECT_PREFIX or remove the other stream.",
        );
      }
      throw e;
    }
  }
  if (
    !sameSet(existing.subjects ?? [], spec.subjects) ||
    existing.storage !== StorageType.File ||
    existing.retention !== RetentionPolicy.Limits
  ) {
    throw new StreamConflictError(
      `Stream ${spec.name} exists with subjects [${(existing.subjects ?? []).join(", ")}], storage ${existing.storage}, ` +
        `retention ${existing.retention}; this service needs subjects [${spec.subjects.join(", ")}], file storage and limits retention. ` +
        "It was left untouched: point STREAM_NAME at another stream or change the existing one yourself.",
    );
  }
  const changed = (Object.keys(wanted) as (keyof StreamConfig)[]).some((k) => k !== "subjects" && existing[k] !== wanted[k]);
  if (!changed) return "unchanged";
  await jsm.streams.update(spec.name, { ...existing, ...wanted });
  return "updated";
}

/** A stream's usage against its limits. */
export async function streamFigures(jsm: JetStreamManager, name: string): Promise<StreamFigures> {
  const si = await jsm.streams.info(name);
  return {
    name,
    messages: si.state.messages,
    bytes: si.state.bytes,
    firstSeq: si.state.first_seq,
    lastSeq: si.state.last_seq,
    consumers: si.state.consumer_count,
    limits: { maxMsgs: si.config.max_msgs, maxBytes: si.config.max_bytes, maxAgeSec: Math.round(si.config.max_age / NS) },
  };
}
