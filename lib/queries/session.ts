import { queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import { fetchJson, jsonBody } from "../api-client";
import { sessionSchema } from "../contracts/session";

export const sessionKeys = { all: ["session"] as const };

/** Who the console is signed in as (a session cookie or a key header), and whether auth is off. */
export const sessionQuery = () =>
  queryOptions({
    queryKey: sessionKeys.all,
    queryFn: ({ signal }) => fetchJson("/api/session", sessionSchema, { signal }),
    staleTime: 30_000,
    refetchOnWindowFocus: true,
  });

export const sessionApi = {
  /** Signs in with an API key: the answer sets the httpOnly session cookie. */
  signIn: (key: string) => fetchJson("/api/session", sessionSchema, jsonBody("POST", { key })),
  signOut: () => fetchJson("/api/session", z.unknown(), { method: "DELETE" }).then(() => undefined),
};
