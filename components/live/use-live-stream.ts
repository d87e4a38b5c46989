"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { liveTailQuery, type StreamParams } from "@/lib/queries/live";
import type { LiveRow } from "./filters";
import { LiveConnection, probeStream, replayProbe, type StreamStatus } from "./live-connection";

export type { StreamStatus } from "./live-connection";

export interface LiveStreamOptions {
  /** Most events kept (older ones leave the view). */
  capacity: number;
  /** While paused the view stays as it is; events keep arriving into the buffer. */
  paused: boolean;
  /** How often new events are shown, in ms. @default 100 */
  flushMs?: number;
  /** Changing it reconnects (e.g. "Retry" after an error). */
  generation?: number;
}

export interface LiveStream {
  rows: readonly LiveRow[];
  received: number;
  evicted: number;
  status: StreamStatus;
  /** Events that arrived while paused (not yet shown). */
  pendingWhilePaused: number;
  /** Events/s received (before the browser-side filters). */
  rate: number;
  /** Events per second over the last minute, oldest first. */
  rateHistory: number[];
  /** A notice from the server, e.g. that the stream fell behind and is catching up. */
  notice: string | undefined;
  /** Empties the view (the stream stays open). */
  clear: () => void;
}

/**
 * The live tail's data: a `LiveConnection` per set of server-side filters, writing its snapshots
 * into the query cache (live pushes go into the cache, not parallel state).
 */
export function useLiveStream(
  params: StreamParams,
  { capacity, paused, flushMs = 100, generation = 0 }: LiveStreamOptions,
): LiveStream {
  const qc = useQueryClient();
  const query = liveTailQuery<LiveRow>(params);
  const { data } = useQuery(query);
  const [status, setStatus] = useState<StreamStatus>({ state: "connecting" });
  const [pendingWhilePaused, setPending] = useState(0);
  const [rate, setRate] = useState(0);
  const [rateHistory, setRateHistory] = useState<number[]>([]);
  const [notice, setNotice] = useState<string>();
  const conn = useRef<LiveConnection | undefined>(undefined);
  const pausedRef = useRef(paused);

  const { tenant, type, subject, replay } = params;
  const queryKey = query.queryKey;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key follows tenant/type/subject/replay; generation forces a reconnect
  useEffect(() => {
    setNotice(undefined);
    const c = new LiveConnection({
      params: replay !== undefined ? { replay } : { tenant, type, subject },
      capacity,
      flushMs,
      createSource: (url) => new EventSource(url),
      probe: replay !== undefined ? replayProbe(replay) : probeStream,
      onSnapshot: (s) => qc.setQueryData(queryKey, s),
      onStatus: setStatus,
      onPending: setPending,
      onNotice: setNotice,
    });
    conn.current = c;
    c.start();
    if (pausedRef.current) c.pause();
    const ticker = setInterval(() => {
      setRate(c.rate());
      setRateHistory(c.rateHistory());
    }, 1000);
    return () => {
      c.stop();
      clearInterval(ticker);
      if (conn.current === c) conn.current = undefined;
    };
  }, [qc, tenant, type, subject, replay, capacity, flushMs, generation]);

  useEffect(() => {
    pausedRef.current = paused;
    if (paused) conn.current?.pause();
    else conn.current?.resume();
  }, [paused]);

  return {
    rows: data?.rows ?? [],
    received: data?.received ?? 0,
    evicted: data?.evicted ?? 0,
    status,
    pendingWhilePaused,
    rate,
    rateHistory,
    notice,
    clear: () => conn.current?.clear(),
  };
}
