import type { Metadata } from "next";
import { Suspense } from "react";
import { DeadLettersClient } from "./client";

export const metadata: Metadata = { title: "Dead letters" };

export default function DeadLettersRoute() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading dead letters…</p>}>
      <DeadLettersClient />
    </Suspense>
  );
}
