import type { Metadata } from "next";
import { Suspense } from "react";
import { ExplorerClient } from "./client";

export const metadata: Metadata = { title: "Explorer" };

export default function ExplorerPage() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading the explorer…</p>}>
      <ExplorerClient />
    </Suspense>
  );
}
