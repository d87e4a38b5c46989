"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import { Explorer } from "@/components/explorer/explorer";
import { useTenant } from "@/components/frame/use-tenant";
import { explorerSearchString, parseExplorerSearch } from "./search-params";

export function ExplorerClient() {
  const { tenant } = useTenant();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const { search, problems } = useMemo(() => parseExplorerSearch(new URLSearchParams(params)), [params]);
  return (
    <Explorer
      // the form starts from the URL's filters; a new search (or tenant) starts fresh
      key={params.toString()}
      tenant={tenant}
      search={search}
      urlProblems={problems}
      onSearch={(s) => router.push(`${pathname}${explorerSearchString(new URLSearchParams(params), s)}`, { scroll: false })}
    />
  );
}
