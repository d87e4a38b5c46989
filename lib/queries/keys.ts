import { queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import { fetchJson, jsonBody } from "../api-client";
import { createdKeySchema, type KeyInput, keyListSchema } from "../contracts/keys";

export const keyKeys = { all: ["keys"] as const };

export const keysQuery = () =>
  queryOptions({
    queryKey: keyKeys.all,
    queryFn: ({ signal }) => fetchJson("/api/keys", keyListSchema, { signal }),
  });

export const keyApi = {
  create: (input: KeyInput) => fetchJson("/api/keys", createdKeySchema, jsonBody("POST", input)),
  revoke: (id: string) =>
    fetchJson(`/api/keys/${encodeURIComponent(id)}`, z.unknown(), { method: "DELETE" }).then(() => undefined),
};
