import Link from "next/link";
import { type ReactNode, Suspense } from "react";
import { AuthDisabledBanner } from "@/components/auth/auth-banner";
import { AuthGate } from "@/components/auth/auth-gate";
import { UserMenu } from "@/components/auth/user-menu";
import { HealthBadge } from "./health-badge";
import { SidebarNav, SidebarNavFallback } from "./sidebar-nav";
import { TenantSwitcher } from "./tenant-switcher";
import { ThemeToggle } from "./theme-toggle";

/**
 * The console's frame: skip link, sidebar, top bar (tenant, health, who is signed in, theme) and
 * the page, behind the sign-in gate; a banner on top while auth is switched off.
 */
export function ConsoleFrame({ children }: { children: ReactNode }) {
  return (
    <div className="flex h-screen min-h-0 flex-col">
      <AuthDisabledBanner />
      <div className="flex min-h-0 flex-1">
        <a
          href="#main"
          className="sr-only z-50 rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
        >
          Skip to content
        </a>
        <aside className="flex w-52 shrink-0 flex-col border-r border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <Link href="/" className="flex h-14 items-center gap-2 border-b border-slate-200 px-4 dark:border-slate-800">
            <span aria-hidden className="grid h-7 w-7 place-items-center rounded-md bg-indigo-600 text-sm font-bold text-white">
              A
            </span>
            <span className="text-sm leading-tight font-semibold">
              Anumate
              <span className="block text-xs font-normal text-slate-500 dark:text-slate-400">Event Bus</span>
            </span>
          </Link>
          <nav aria-label="Console" className="flex-1 overflow-y-auto p-2">
            <Suspense fallback={<SidebarNavFallback />}>
              <SidebarNav />
            </Suspense>
          </nav>
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex h-14 shrink-0 items-center justify-between gap-4 border-b border-slate-200 bg-white px-4 dark:border-slate-800 dark:bg-slate-900">
            <Suspense fallback={<div className="h-9 w-48" />}>
              <TenantSwitcher />
            </Suspense>
            <div className="flex items-center gap-3">
              <UserMenu />
              <HealthBadge />
              <ThemeToggle />
            </div>
          </header>
          <main id="main" tabIndex={-1} className="min-h-0 flex-1 overflow-auto p-5 focus:outline-none">
            <Suspense fallback={null}>
              <AuthGate>{children}</AuthGate>
            </Suspense>
          </main>
        </div>
      </div>
    </div>
  );
}
