import { z } from "zod";
import { defineEvent } from "./entry";
import { actor, id, requireOrder, text, timestamp } from "./fields";

/** Approvals: human decisions an execution waits for, held by the approvals service. */

const requestRef = {
  approvalId: id,
  /** The execution waiting for the decision. */
  executionId: id,
};

export const approvalRequestedData = z
  .strictObject({
    ...requestRef,
    capsuleId: id,
    /** The step waiting for the decision. */
    stepId: id.optional(),
    /** The policy that required the approval, when one did. */
    policyId: id.optional(),
    /** What is to be approved, shown to approvers. */
    summary: text(2000),
    /** User or group ids allowed to decide. */
    approvers: z.array(id).min(1, "must name at least one approver").max(100, "must name at most 100 approvers"),
    /** How many grants are needed. */
    requiredApprovals: z.number().int("must be an integer").min(1, "must be at least 1"),
    requestedBy: actor,
    requestedAt: timestamp,
    /** After this time the request expires (`approval.expired`); absent means no deadline. */
    expiresAt: timestamp.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.requiredApprovals > d.approvers.length) {
      ctx.addIssue({ code: "custom", path: ["requiredApprovals"], message: "must not exceed the number of approvers" });
    }
    requireOrder(ctx, d.requestedAt, d.expiresAt, "expiresAt", "must be after requestedAt", true);
  });
export type ApprovalRequestedData = z.infer<typeof approvalRequestedData>;

export const approvalGrantedData = z.strictObject({
  ...requestRef,
  /** The approver whose grant completed the approval. */
  grantedBy: actor,
  comment: text(2000).optional(),
  grantedAt: timestamp,
});
export type ApprovalGrantedData = z.infer<typeof approvalGrantedData>;

export const approvalRejectedData = z.strictObject({
  ...requestRef,
  rejectedBy: actor,
  /** Required: the requester needs to know why. */
  reason: text(2000),
  rejectedAt: timestamp,
});
export type ApprovalRejectedData = z.infer<typeof approvalRejectedData>;

export const approvalExpiredData = z
  .strictObject({
    ...requestRef,
    requestedAt: timestamp,
    expiredAt: timestamp,
  })
  .superRefine((d, ctx) => requireOrder(ctx, d.requestedAt, d.expiredAt, "expiredAt", "must be after requestedAt", true));
export type ApprovalExpiredData = z.infer<typeof approvalExpiredData>;

export const approvalCancelledData = z.strictObject({
  ...requestRef,
  /** E.g. the execution was cancelled, so the decision is no longer needed. */
  reason: text(1000).optional(),
  cancelledBy: actor,
  cancelledAt: timestamp,
});
export type ApprovalCancelledData = z.infer<typeof approvalCancelledData>;

const request = { approvalId: "apr_01J9ZCA0QK7S", executionId: "exe_01J9ZC6W8H1F" };
const approver = { kind: "user", id: "usr_c07e55", name: "Amara Okafor" } as const;

export const approvalEvents = [
  defineEvent({
    type: "com.anumate.approval.requested",
    service: "approvals",
    description: "An execution asked for a human decision before it can continue.",
    schema: approvalRequestedData,
    example: {
      ...request,
      capsuleId: "cap_01J9Z6Q3M4T8",
      stepId: "submit-payment",
      policyId: "pol_01J9ZA1KX0PV",
      summary: "Pay 18,250.00 EUR to Nordlicht Logistics GmbH (invoice INV-2025-0311).",
      approvers: ["grp_finance_approvers"],
      requiredApprovals: 1,
      requestedBy: { kind: "service", id: "orchestrator" },
      requestedAt: "2025-03-21T10:15:06Z",
      expiresAt: "2025-03-22T10:15:06Z",
    },
  }),
  defineEvent({
    type: "com.anumate.approval.granted",
    service: "approvals",
    description: "An approval request received the grants it needed, so the execution may continue.",
    schema: approvalGrantedData,
    example: {
      ...request,
      grantedBy: approver,
      comment: "Checked against PO-88412.",
      grantedAt: "2025-03-21T10:41:10Z",
    },
  }),
  defineEvent({
    type: "com.anumate.approval.rejected",
    service: "approvals",
    description: "An approver rejected an approval request, so the waiting step must not proceed.",
    schema: approvalRejectedData,
    example: {
      ...request,
      rejectedBy: approver,
      reason: "The supplier is under review; hold all payments.",
      rejectedAt: "2025-03-21T10:41:10Z",
    },
  }),
  defineEvent({
    type: "com.anumate.approval.expired",
    service: "approvals",
    description: "An approval request reached its deadline without a decision.",
    schema: approvalExpiredData,
    example: {
      ...request,
      requestedAt: "2025-03-21T10:15:06Z",
      expiredAt: "2025-03-22T10:15:06Z",
    },
  }),
  defineEvent({
    type: "com.anumate.approval.cancelled",
    service: "approvals",
    description: "An open approval request was withdrawn before a decision, e.g. because its execution was cancelled.",
    schema: approvalCancelledData,
    example: {
      ...request,
      reason: "Execution cancelled by its owner.",
      cancelledBy: { kind: "service", id: "orchestrator" },
      cancelledAt: "2025-03-21T10:30:00Z",
    },
  }),
] as const;
