import { queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import { fetchJson, jsonBody } from "../api-client";
import { type SubscriptionInput, subscriptionListSchema, subscriptionSchema } from "../contracts/subscriptions";

export const subscriptionKeys = {
  all: ["subscriptions"] as const,
  list: () => ["subscriptions", "list"] as const,
  one: (id: string) => ["subscriptions", "one", id] as const,
};

/** Every subscription the caller may see, with live stats (refreshed every few seconds). */
export const subscriptionsQuery = () =>
  queryOptions({
    queryKey: subscriptionKeys.list(),
    queryFn: async ({ signal }) => {
      // every page (1000 a page): the console shows them all
      const items: z.infer<typeof subscriptionListSchema>["items"] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
        const page = await fetchJson(`/api/subscriptions?limit=1000${q}`, subscriptionListSchema, { signal });
        items.push(...page.items);
        cursor = page.next;
      } while (cursor !== null);
      return { items, next: null };
    },
    refetchInterval: 5000,
  });

export const subscriptionQuery = (id: string) =>
  queryOptions({
    queryKey: subscriptionKeys.one(id),
    queryFn: ({ signal }) => fetchJson(`/api/subscriptions/${encodeURIComponent(id)}`, subscriptionSchema, { signal }),
  });

/** The PATCH body: any field but the name and the start position. */
export type SubscriptionPatch = Omit<Partial<SubscriptionInput>, "name" | "startAt">;

const path = (id: string) => `/api/subscriptions/${encodeURIComponent(id)}`;

/** Mutations; callers invalidate `subscriptionKeys.all` when they settle. */
export const subscriptionApi = {
  create: (input: SubscriptionInput) => fetchJson("/api/subscriptions", subscriptionSchema, jsonBody("POST", input)),
  update: (id: string, patch: SubscriptionPatch) => fetchJson(path(id), subscriptionSchema, jsonBody("PATCH", patch)),
  pause: (id: string) => fetchJson(`${path(id)}/pause`, subscriptionSchema, { method: "POST" }),
  resume: (id: string) => fetchJson(`${path(id)}/resume`, subscriptionSchema, { method: "POST" }),
  remove: (id: string) => fetchJson(path(id), z.unknown(), { method: "DELETE" }).then(() => undefined),
};

/** Where a subscription's position moves to: a time (RFC 3339) or a stream sequence. */
export type ResetTo = { time: string } | { sequence: number };

/** `POST /api/subscriptions/{id}/reset`: allowed while paused or without members (else 409). */
export function resetSubscription(id: string, to: ResetTo) {
  return fetchJson(`${path(id)}/reset`, z.unknown(), jsonBody("POST", { to }));
}
