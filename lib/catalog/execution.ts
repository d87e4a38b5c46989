import { z } from "zod";
import { defineEvent } from "./entry";
import { actor, id, jsonRecord, requireOrder, semver, text, timestamp } from "./fields";

/** Executions: runs of a published capsule version, driven by the orchestrator. */

const runRef = {
  executionId: id,
  capsuleId: id,
  capsuleVersion: semver,
};

export const executionStartedData = z.strictObject({
  ...runRef,
  /** What started the run. */
  trigger: z.enum(["manual", "schedule", "event", "api"]),
  triggeredBy: actor,
  /** Input parameters of the run. Secrets never go here. */
  parameters: jsonRecord.optional(),
  startedAt: timestamp,
});
export type ExecutionStartedData = z.infer<typeof executionStartedData>;

export const executionCompletedData = z
  .strictObject({
    ...runRef,
    startedAt: timestamp,
    completedAt: timestamp,
    /** Wall-clock time from start to completion, pauses included. */
    durationMs: z.number().int("must be an integer").min(0, "must be at least 0"),
    outputs: jsonRecord.optional(),
  })
  .superRefine((d, ctx) => requireOrder(ctx, d.startedAt, d.completedAt, "completedAt", "must not be before startedAt"));
export type ExecutionCompletedData = z.infer<typeof executionCompletedData>;

export const executionFailedData = z
  .strictObject({
    ...runRef,
    error: z.strictObject({
      /** A stable, machine-readable code, e.g. `STEP_TIMEOUT`. */
      code: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must be an UPPER_SNAKE_CASE code"),
      message: text(2000),
      /** The step that failed, when the failure belongs to one. */
      stepId: id.optional(),
    }),
    /** The attempt that failed, from 1. */
    attempt: z.number().int("must be an integer").min(1, "must be at least 1"),
    /** Whether the orchestrator will try again. */
    retryable: z.boolean(),
    startedAt: timestamp,
    failedAt: timestamp,
  })
  .superRefine((d, ctx) => requireOrder(ctx, d.startedAt, d.failedAt, "failedAt", "must not be before startedAt"));
export type ExecutionFailedData = z.infer<typeof executionFailedData>;

export const executionPausedData = z
  .strictObject({
    ...runRef,
    /** `approval`: a step waits for an approval; `policy`: a policy paused it; `manual`: someone paused it. */
    reason: z.enum(["approval", "policy", "manual"]),
    /** The policy that paused the run; required when `reason` is `policy`. */
    policyId: id.optional(),
    /** The step the run stopped at. */
    stepId: id.optional(),
    message: text(2000).optional(),
    pausedBy: actor,
    pausedAt: timestamp,
  })
  .superRefine((d, ctx) => {
    if (d.reason === "policy" && d.policyId === undefined) {
      ctx.addIssue({ code: "custom", path: ["policyId"], message: "is required when reason is policy" });
    }
  });
export type ExecutionPausedData = z.infer<typeof executionPausedData>;

export const executionResumedData = z
  .strictObject({
    ...runRef,
    /** The granted approval that released the run, when one did. */
    approvalId: id.optional(),
    resumedBy: actor,
    pausedAt: timestamp,
    resumedAt: timestamp,
  })
  .superRefine((d, ctx) => requireOrder(ctx, d.pausedAt, d.resumedAt, "resumedAt", "must not be before pausedAt"));
export type ExecutionResumedData = z.infer<typeof executionResumedData>;

export const executionCancelledData = z.strictObject({
  ...runRef,
  reason: text(1000).optional(),
  /** The rejected or expired approval that ended the run, when one did. */
  approvalId: id.optional(),
  cancelledBy: actor,
  cancelledAt: timestamp,
});
export type ExecutionCancelledData = z.infer<typeof executionCancelledData>;

const orchestrator = { kind: "service", id: "orchestrator" } as const;
const run = { executionId: "exe_01J9ZC6W8H1F", capsuleId: "cap_01J9Z6Q3M4T8", capsuleVersion: "1.0.0" };

export const executionEvents = [
  defineEvent({
    type: "com.anumate.execution.started",
    service: "orchestrator",
    description: "The orchestrator started running a published capsule version.",
    schema: executionStartedData,
    example: {
      ...run,
      trigger: "schedule",
      triggeredBy: { kind: "service", id: "scheduler" },
      parameters: { period: "2025-03", currency: "EUR", dryRun: false },
      startedAt: "2025-03-21T10:15:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.execution.completed",
    service: "orchestrator",
    description: "An execution finished all its steps successfully.",
    schema: executionCompletedData,
    example: {
      ...run,
      startedAt: "2025-03-21T10:15:00Z",
      completedAt: "2025-03-21T11:02:30.250Z",
      durationMs: 2_850_250,
      outputs: { matched: 412, flagged: 3 },
    },
  }),
  defineEvent({
    type: "com.anumate.execution.failed",
    service: "orchestrator",
    description: "An execution attempt stopped on an error; `retryable` says whether another attempt follows.",
    schema: executionFailedData,
    example: {
      ...run,
      error: { code: "STEP_TIMEOUT", message: "Step fetch-invoices did not finish within 300 s.", stepId: "fetch-invoices" },
      attempt: 1,
      retryable: true,
      startedAt: "2025-03-21T10:15:00Z",
      failedAt: "2025-03-21T10:20:00Z",
    },
  }),
  defineEvent({
    type: "com.anumate.execution.paused",
    service: "orchestrator",
    description: "An execution stopped at a step and waits for an approval, a policy decision or a person to resume it.",
    schema: executionPausedData,
    example: {
      ...run,
      reason: "policy",
      policyId: "pol_01J9ZA1KX0PV",
      stepId: "submit-payment",
      message: "Waiting for a finance approver.",
      pausedBy: orchestrator,
      pausedAt: "2025-03-21T10:15:05Z",
    },
  }),
  defineEvent({
    type: "com.anumate.execution.resumed",
    service: "orchestrator",
    description: "A paused execution continued from the step it stopped at.",
    schema: executionResumedData,
    example: {
      ...run,
      approvalId: "apr_01J9ZCA0QK7S",
      resumedBy: orchestrator,
      pausedAt: "2025-03-21T10:15:05Z",
      resumedAt: "2025-03-21T10:41:12Z",
    },
  }),
  defineEvent({
    type: "com.anumate.execution.cancelled",
    service: "orchestrator",
    description: "An execution was stopped before finishing and will not run further.",
    schema: executionCancelledData,
    example: {
      ...run,
      reason: "Approval rejected: the supplier is under review.",
      approvalId: "apr_01J9ZCA0QK7S",
      cancelledBy: orchestrator,
      cancelledAt: "2025-03-21T10:41:12Z",
    },
  }),
] as const;
