"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ThroughputChart } from "@/components/charts/throughput-chart";
import { healthQuery } from "@/lib/queries/health";
import { appendSample, type SeqSample, throughputOf } from "./throughput";

/**
 * Events stored per second, from the stream's last sequence in the health answers this tab
 * polls anyway (no extra request): the last two minutes or so.
 */
export function ThroughputPanel() {
  const { data } = useQuery(healthQuery());
  const [samples, setSamples] = useState<SeqSample[]>([]);
  const lastSeq = data?.details.stream?.lastSeq;
  const timestamp = data?.timestamp;
  useEffect(() => {
    if (lastSeq === undefined || timestamp === undefined) return;
    setSamples((s) => appendSample(s, { at: Date.parse(timestamp), lastSeq }));
  }, [lastSeq, timestamp]);
  const points = throughputOf(samples);
  return (
    <section
      aria-labelledby="throughput-title"
      className="rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex items-baseline justify-between">
        <h2 id="throughput-title" className="text-lg font-medium">
          Throughput
        </h2>
        <p className="text-sm text-slate-500 dark:text-slate-400">
          <span className="font-semibold text-slate-900 tabular-nums dark:text-slate-100" data-testid="throughput-now">
            {points.at(-1)?.perSec ?? 0}
          </span>{" "}
          events/s stored
        </p>
      </div>
      {points.length < 2 ? (
        <p className="mt-4 text-sm text-slate-500">Measuring… the chart fills in as health checks arrive every 3 s.</p>
      ) : (
        <div className="mt-4 text-slate-700 dark:text-slate-300">
          <ThroughputChart points={points} />
        </div>
      )}
    </section>
  );
}
