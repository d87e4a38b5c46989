import { z } from "zod";
import { defineEvent } from "./entry";
import { actor, changedFields, id, name, revision, semver, text, timestamp } from "./fields";

/** Policies: rules the policy service evaluates against capsules and executions. */

/** `enforce` blocks or pauses on a violation; `audit` only reports it. */
const enforcementMode = z.enum(["enforce", "audit"]);
const severity = z.enum(["low", "medium", "high", "critical"]);

export const policyCreatedData = z.strictObject({
  policyId: id,
  name,
  revision,
  enforcementMode,
  description: text(2000).optional(),
  createdBy: actor,
  createdAt: timestamp,
});
export type PolicyCreatedData = z.infer<typeof policyCreatedData>;

export const policyUpdatedData = z
  .strictObject({
    policyId: id,
    name,
    /** The revision after the update. */
    revision,
    previousRevision: revision,
    /** The mode after the update (a change of mode is what most consumers care about). */
    enforcementMode,
    changedFields,
    updatedBy: actor,
    updatedAt: timestamp,
  })
  .superRefine((d, ctx) => {
    if (d.revision <= d.previousRevision) {
      ctx.addIssue({ code: "custom", path: ["revision"], message: "must be greater than previousRevision" });
    }
  });
export type PolicyUpdatedData = z.infer<typeof policyUpdatedData>;

export const policyDeletedData = z.strictObject({
  policyId: id,
  name,
  /** The last revision. */
  revision,
  reason: text(1000).optional(),
  deletedBy: actor,
  deletedAt: timestamp,
});
export type PolicyDeletedData = z.infer<typeof policyDeletedData>;

export const policyViolatedData = z.strictObject({
  /** Links the violation to the `policy.enforced` event that acts on it. */
  violationId: id,
  policyId: id,
  policyRevision: revision,
  /** The rule of the policy that failed. */
  ruleId: id,
  severity,
  /** The policy's mode when it was evaluated: in `audit` no enforcement follows. */
  enforcementMode,
  capsuleId: id,
  capsuleVersion: semver.optional(),
  /** Set when the violation was found while a capsule ran, absent when found at publish time. */
  executionId: id.optional(),
  /** What was violated, for people. */
  message: text(2000),
  detectedAt: timestamp,
});
export type PolicyViolatedData = z.infer<typeof policyViolatedData>;

export const policyEnforcedData = z
  .strictObject({
    policyId: id,
    policyRevision: revision,
    /** The violation acted on; absent for preventive enforcement (e.g. a publish gate). */
    violationId: id.optional(),
    /** `blocked`: the publish or execution was refused; `paused`: the execution waits; `approval_required`: it waits for an approval. */
    action: z.enum(["blocked", "paused", "approval_required"]),
    capsuleId: id,
    capsuleVersion: semver.optional(),
    executionId: id.optional(),
    reason: text(2000),
    enforcedAt: timestamp,
  })
  .superRefine((d, ctx) => {
    if (d.action !== "blocked" && d.executionId === undefined) {
      ctx.addIssue({ code: "custom", path: ["executionId"], message: `is required when action is ${d.action}` });
    }
  });
export type PolicyEnforcedData = z.infer<typeof policyEnforcedData>;

const author = { kind: "user", id: "usr_8b31d0", name: "Marcus Lee" } as const;

export const policyEvents = [
  defineEvent({
    type: "com.anumate.policy.created",
    service: "policy",
    description: "A policy was created at its first revision.",
    schema: policyCreatedData,
    example: {
      policyId: "pol_01J9ZA1KX0PV",
      name: "payments-over-10k-need-approval",
      revision: 1,
      enforcementMode: "audit",
      description: "Executions that move more than 10,000 EUR wait for a finance approver.",
      createdBy: author,
      createdAt: "2025-03-10T14:00:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.policy.updated",
    service: "policy",
    description: "A policy's rules or settings changed, producing a new revision.",
    schema: policyUpdatedData,
    example: {
      policyId: "pol_01J9ZA1KX0PV",
      name: "payments-over-10k-need-approval",
      revision: 2,
      previousRevision: 1,
      enforcementMode: "enforce",
      changedFields: ["enforcementMode"],
      updatedBy: author,
      updatedAt: "2025-03-17T09:30:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.policy.deleted",
    service: "policy",
    description: "A policy was removed and is no longer evaluated.",
    schema: policyDeletedData,
    example: {
      policyId: "pol_01J9ZA1KX0PV",
      name: "payments-over-10k-need-approval",
      revision: 2,
      reason: "Merged into the treasury controls policy.",
      deletedBy: author,
      deletedAt: "2025-07-01T12:00:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.policy.violated",
    service: "policy",
    description: "A capsule or one of its executions broke a rule of a policy.",
    schema: policyViolatedData,
    example: {
      violationId: "vio_01J9ZC7R2D5N",
      policyId: "pol_01J9ZA1KX0PV",
      policyRevision: 2,
      ruleId: "amount-threshold",
      severity: "high",
      enforcementMode: "enforce",
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleVersion: "1.0.0",
      executionId: "exe_01J9ZC6W8H1F",
      message: "Payment of 18,250.00 EUR exceeds the 10,000.00 EUR threshold.",
      detectedAt: "2025-03-21T10:15:04Z",
    },
  }),
  defineEvent({
    type: "com.anumate.policy.enforced",
    service: "policy",
    description: "A policy was enforced: a publish or execution was blocked, an execution paused, or an approval required.",
    schema: policyEnforcedData,
    example: {
      policyId: "pol_01J9ZA1KX0PV",
      policyRevision: 2,
      violationId: "vio_01J9ZC7R2D5N",
      action: "approval_required",
      capsuleId: "cap_01J9Z6Q3M4T8",
      capsuleVersion: "1.0.0",
      executionId: "exe_01J9ZC6W8H1F",
      reason: "Payments over 10,000 EUR need a finance approver.",
      enforcedAt: "2025-03-21T10:15:05Z",
    },
  }),
] as const;
