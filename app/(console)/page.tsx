import type { Metadata } from "next";
import { Suspense } from "react";
import { HealthPanel } from "@/components/health/health-panel";
import { ThroughputPanel } from "@/components/health/throughput-panel";
import { DashboardClient } from "./dashboard-client";

export const metadata: Metadata = { title: "Dashboard" };

export default function Home() {
  return (
    <div className="mx-auto max-w-6xl">
      <h1 className="text-3xl font-semibold tracking-tight">Anumate Event Bus</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        CloudEvents v1.0 on NATS JetStream: publish, deliver, replay and recover events.
      </p>
      <div className="mt-6 grid grid-cols-2 items-start gap-3">
        <HealthPanel />
        <ThroughputPanel />
      </div>
      <Suspense fallback={<p className="mt-6 text-sm text-slate-500">Loading the metrics…</p>}>
        <DashboardClient />
      </Suspense>
    </div>
  );
}
