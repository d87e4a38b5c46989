import type { Metadata } from "next";
import { Suspense } from "react";
import { KeysClient } from "./client";

export const metadata: Metadata = { title: "Keys" };

export default function KeysRoute() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading keys…</p>}>
      <KeysClient />
    </Suspense>
  );
}
