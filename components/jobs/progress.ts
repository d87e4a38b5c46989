import type { Tone } from "@/components/ui/badge";
import type { ReplayStatus } from "@/lib/contracts/replays";

/** A background job's progress (a bulk requeue/discard or a replay), in one shape. */
export interface Progress {
  state: "pending" | "running" | "completed" | "cancelled" | "interrupted" | "failed";
  done: number;
  total: number;
  failed: number;
  error?: string;
}

const TERMINAL: ReadonlySet<Progress["state"]> = new Set(["completed", "cancelled", "interrupted", "failed"]);

/** Whether the job has ended (nothing more will change). */
export function isTerminal(state: Progress["state"]): boolean {
  return TERMINAL.has(state);
}

const TONES: Record<Progress["state"], Tone> = {
  pending: "slate",
  running: "blue",
  completed: "green",
  cancelled: "amber",
  interrupted: "amber",
  failed: "red",
};

/** A replay's status as a job's progress: events delivered are done, those dead-lettered failed. */
export function replayProgress(r: ReplayStatus): Progress {
  return { state: r.state, done: r.delivered, total: r.total, failed: r.deadLettered, error: r.error };
}

export interface ProgressView {
  /** 0–100, whole numbers; 100 for a finished job with nothing to do. */
  percent: number;
  terminal: boolean;
  tone: Tone;
  /** e.g. "12 of 40 done, 1 failed". */
  summary: string;
}

export function progressView(p: Progress): ProgressView {
  const handled = p.done + p.failed;
  const percent =
    p.total <= 0 ? (isTerminal(p.state) ? 100 : 0) : Math.min(100, Math.max(0, Math.floor((handled / p.total) * 100)));
  const failed = p.failed > 0 ? `, ${p.failed.toLocaleString("en-US")} failed` : "";
  return {
    percent,
    terminal: isTerminal(p.state),
    tone: TONES[p.state],
    summary: `${p.done.toLocaleString("en-US")} of ${p.total.toLocaleString("en-US")} done${failed}`,
  };
}
