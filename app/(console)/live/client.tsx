"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import { useTenant } from "@/components/frame/use-tenant";
import { LiveTail } from "@/components/live/live-tail";
import { liveSearchString, parseLiveSearch } from "./search-params";

export function LiveClient() {
  const { tenant } = useTenant();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const { search, problems } = useMemo(() => parseLiveSearch(new URLSearchParams(params)), [params]);
  return (
    <LiveTail
      // new server filters: a new stream and a fresh form
      key={`${tenant ?? ""}|${search.type ?? ""}|${search.subject ?? ""}|${search.replay ?? ""}`}
      tenant={tenant}
      type={search.type}
      subject={search.subject}
      replay={search.replay}
      urlProblems={problems}
      onServerFilters={(f) => router.replace(`${pathname}${liveSearchString(new URLSearchParams(params), f)}`, { scroll: false })}
    />
  );
}
