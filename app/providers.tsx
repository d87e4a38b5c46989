"use client";

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { isApiError } from "@/lib/api-client";
import { describeError } from "@/lib/error-text";
import { sessionKeys } from "@/lib/queries/session";

// zod is told not to probe for `new Function` (blocked by the CSP) in instrumentation-client.ts,
// before any schema is built.

function makeClient(): QueryClient {
  // any request answered UNAUTHENTICATED (session expired, key revoked): ask who is signed in
  // again; the frame sends the user to the sign-in page when nobody is (the sign-in page has no
  // gate, so a wrong key typed there stays there with its error)
  const unauthenticated = (error: unknown, key?: readonly unknown[]) => {
    if (isApiError(error) && error.code === "UNAUTHENTICATED" && key?.[0] !== sessionKeys.all[0]) {
      void client.invalidateQueries({ queryKey: sessionKeys.all });
    }
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => unauthenticated(error, query.queryKey) }),
    mutationCache: new MutationCache({ onError: (error) => unauthenticated(error) }),
    defaultOptions: {
      queries: {
        // retrying helps only errors that may pass (503, 429, 500, no network); a 401/403/404 shows at once
        retry: (count, error) => count < 1 && describeError(error).retryable,
        staleTime: 2000,
      },
    },
  });
  return client;
}

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(makeClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
