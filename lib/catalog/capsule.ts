import { z } from "zod";
import { defineEvent } from "./entry";
import { actor, changedFields, digest, id, name, requireOrder, semver, text, timestamp } from "./fields";

/** Capsules: versioned automation packages held by the capsule registry. */

export const capsuleCreatedData = z.strictObject({
  capsuleId: id,
  capsuleName: name,
  /** The first (draft) version. */
  version: semver,
  description: text(2000).optional(),
  author: actor,
  /** When it was registered, where that differs from the event's own `time`. */
  createdAt: timestamp.optional(),
});
export type CapsuleCreatedData = z.infer<typeof capsuleCreatedData>;

export const capsuleUpdatedData = z.strictObject({
  capsuleId: id,
  capsuleName: name,
  /** The version after the update. */
  version: semver,
  /** Set when the update produced a new version; absent for a metadata-only change. */
  previousVersion: semver.optional(),
  changedFields,
  updatedBy: actor,
  updatedAt: timestamp,
});
export type CapsuleUpdatedData = z.infer<typeof capsuleUpdatedData>;

export const capsuleDeletedData = z.strictObject({
  capsuleId: id,
  /** Carried because consumers can no longer look the capsule up. */
  capsuleName: name,
  reason: text(1000).optional(),
  deletedBy: actor,
  deletedAt: timestamp,
});
export type CapsuleDeletedData = z.infer<typeof capsuleDeletedData>;

export const capsulePublishedData = z.strictObject({
  capsuleId: id,
  capsuleName: name,
  version: semver,
  /** Digest of the published, immutable artifact; executions pin it. */
  digest,
  releaseNotes: text(10_000).optional(),
  publishedBy: actor,
  publishedAt: timestamp,
});
export type CapsulePublishedData = z.infer<typeof capsulePublishedData>;

export const capsuleDeprecatedData = z
  .strictObject({
    capsuleId: id,
    capsuleName: name,
    /** The deprecated version; it stays runnable until `sunsetAt`. */
    version: semver,
    reason: text(1000),
    /** The version to move to, when there is one. */
    replacementVersion: semver.optional(),
    /** When executions of this version will be refused. */
    sunsetAt: timestamp.optional(),
    deprecatedBy: actor,
    deprecatedAt: timestamp,
  })
  .superRefine((d, ctx) => {
    requireOrder(ctx, d.deprecatedAt, d.sunsetAt, "sunsetAt", "must be after deprecatedAt", true);
    if (d.replacementVersion === d.version) {
      ctx.addIssue({ code: "custom", path: ["replacementVersion"], message: "must differ from version" });
    }
  });
export type CapsuleDeprecatedData = z.infer<typeof capsuleDeprecatedData>;

const priya = { kind: "user", id: "usr_4f2a9c", name: "Priya Raman" } as const;

export const capsuleEvents = [
  defineEvent({
    type: "com.anumate.capsule.created",
    service: "capsule-registry",
    description: "A capsule was registered with its first draft version.",
    schema: capsuleCreatedData,
    example: {
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleName: "invoice-reconciliation",
      version: "0.1.0",
      description: "Matches supplier invoices against purchase orders and flags mismatches.",
      author: priya,
      createdAt: "2025-03-14T09:26:53Z",
    },
  }),
  defineEvent({
    type: "com.anumate.capsule.updated",
    service: "capsule-registry",
    description: "A capsule's definition or metadata changed, possibly producing a new version.",
    schema: capsuleUpdatedData,
    example: {
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleName: "invoice-reconciliation",
      version: "0.2.0",
      previousVersion: "0.1.0",
      changedFields: ["steps", "description"],
      updatedBy: priya,
      updatedAt: "2025-03-15T11:02:17Z",
    },
  }),
  defineEvent({
    type: "com.anumate.capsule.deleted",
    service: "capsule-registry",
    description: "A capsule and all its versions were removed from the registry.",
    schema: capsuleDeletedData,
    example: {
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleName: "invoice-reconciliation",
      reason: "Replaced by the accounts-payable suite.",
      deletedBy: priya,
      deletedAt: "2025-06-30T16:45:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.capsule.published",
    service: "capsule-registry",
    description: "A capsule version was published as an immutable artifact and can now be executed.",
    schema: capsulePublishedData,
    example: {
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleName: "invoice-reconciliation",
      version: "1.0.0",
      digest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      releaseNotes: "First production release.",
      publishedBy: priya,
      publishedAt: "2025-03-20T08:00:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.capsule.deprecated",
    service: "capsule-registry",
    description: "A published capsule version was deprecated and should no longer be used for new executions.",
    schema: capsuleDeprecatedData,
    example: {
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleName: "invoice-reconciliation",
      version: "1.0.0",
      reason: "Uses the retired ERP v1 connector.",
      replacementVersion: "1.1.0",
      sunsetAt: "2025-09-01T00:00:00Z",
      deprecatedBy: priya,
      deprecatedAt: "2025-06-01T10:00:00Z",
    },
  }),
] as const;
