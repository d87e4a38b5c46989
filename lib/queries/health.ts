import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "../api-client";
import { healthSchema } from "../contracts/health";

export const healthQuery = () =>
  queryOptions({
    queryKey: ["health"],
    // 503 (unhealthy) still carries the health body
    queryFn: () => fetchJson("/api/health", healthSchema, { acceptStatuses: [503] }),
    refetchInterval: 3000,
  });
