"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { hrefWithTenant } from "@/lib/tenant";
import { isCurrent, NAV } from "./nav";
import { useTenant } from "./use-tenant";

function Links({ tenant }: { tenant: string | undefined }) {
  const pathname = usePathname();
  return (
    <ul className="space-y-0.5">
      {NAV.map((item) => {
        const current = isCurrent(item.href, pathname);
        return (
          <li key={item.href}>
            <Link
              href={hrefWithTenant(item.href, tenant)}
              aria-current={current ? "page" : undefined}
              className="flex items-center justify-between rounded-md px-3 py-2 text-sm text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:font-semibold aria-[current=page]:text-indigo-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-300"
            >
              <span>{item.label}</span>
              {item.comingWith && <span className="text-[10px] tracking-wide text-slate-400 uppercase">soon</span>}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** Sidebar links that keep the tenant filter (needs `<Suspense>`: it reads the search params). */
export function SidebarNav() {
  const { tenant } = useTenant();
  return <Links tenant={tenant} />;
}

/** The same links before the search params are known (the prerendered shell). */
export function SidebarNavFallback() {
  return <Links tenant={undefined} />;
}
