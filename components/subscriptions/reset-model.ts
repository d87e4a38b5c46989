import { fromLocalInput } from "@/components/explorer/draft";
import type { ResetTo } from "@/lib/queries/subscriptions";

export type ResetMode = "time" | "sequence";

/** The reset form (a `datetime-local` time or a sequence) as the API's `to`, or what is wrong with it. */
export function parseReset(
  mode: ResetMode,
  time: string,
  sequence: string,
): { ok: true; to: ResetTo } | { ok: false; problem: string } {
  if (mode === "time") {
    const iso = fromLocalInput(time);
    return iso ? { ok: true, to: { time: iso } } : { ok: false, problem: "must be a date and time" };
  }
  const n = Number(sequence.trim());
  return sequence.trim() !== "" && Number.isSafeInteger(n) && n >= 1
    ? { ok: true, to: { sequence: n } }
    : { ok: false, problem: "must be a whole number >= 1" };
}

/** Whether the API will allow a reset now: only while paused or without members (else 409). */
export function resetAllowed(s: { state: "active" | "paused"; stats?: { members: number } }): boolean {
  return s.state === "paused" || (s.stats !== undefined && s.stats.members === 0);
}
