import type { Metadata } from "next";
import { Suspense } from "react";
import { LiveClient } from "./client";

export const metadata: Metadata = { title: "Live tail" };

export default function LivePage() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Opening the live tail…</p>}>
      <LiveClient />
    </Suspense>
  );
}
