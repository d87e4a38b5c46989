import type { Metadata } from "next";
import { Suspense } from "react";
import { PageHeader } from "@/components/ui/panel";
import { PublishClient } from "./client";

export const metadata: Metadata = { title: "Publish" };

export default function PublishPage() {
  return (
    <div className="mx-auto max-w-6xl">
      <PageHeader
        title="Publish"
        description="Send an event of the catalog in structured mode (application/cloudevents+json), as a producer would."
      />
      <Suspense fallback={<p className="text-sm text-slate-500">Loading the catalog…</p>}>
        <PublishClient />
      </Suspense>
    </div>
  );
}
