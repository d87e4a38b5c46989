import { HealthPanel } from "@/components/health/health-panel";

export default function Home() {
  return (
    <main className="mx-auto max-w-3xl px-6 py-12">
      <h1 className="text-3xl font-semibold tracking-tight">Anumate Event Bus</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        CloudEvents v1.0 on NATS JetStream: publish, deliver, replay and recover events.
      </p>
      <HealthPanel />
    </main>
  );
}
