"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { z } from "zod";

// zod probes for `new Function` support (its faster JIT parser); under the console's CSP (no
// 'unsafe-eval') the probe fails harmlessly but reports a violation. Tell it up front instead.
z.config({ jitless: true });

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 2000 } } }));
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
