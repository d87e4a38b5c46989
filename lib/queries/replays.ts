import { queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import { fetchJson, jsonBody } from "../api-client";
import { type ReplayInput, replayStatusSchema } from "../contracts/replays";

export const replayKeys = { one: (id: string) => ["replays", id] as const };

const dryRunAnswer = z.object({ count: z.number() });
const createdAnswer = z.object({ id: z.string(), count: z.number() });

/** A replay's progress, polled until it ends. */
export const replayQuery = (id: string) =>
  queryOptions({
    queryKey: replayKeys.one(id),
    queryFn: ({ signal }) => fetchJson(`/api/replays/${encodeURIComponent(id)}`, replayStatusSchema, { signal }),
    refetchInterval: (q) => (q.state.data && !["pending", "running"].includes(q.state.data.state) ? false : 1000),
  });

export const replayApi = {
  /** How many events the replay would send. */
  dryRun: (input: Omit<ReplayInput, "dryRun">) =>
    fetchJson("/api/replays", dryRunAnswer, jsonBody("POST", { ...input, dryRun: true })),
  start: (input: Omit<ReplayInput, "dryRun">) => fetchJson("/api/replays", createdAnswer, jsonBody("POST", input)),
  cancel: (id: string) => fetchJson(`/api/replays/${encodeURIComponent(id)}`, replayStatusSchema, { method: "DELETE" }),
};
