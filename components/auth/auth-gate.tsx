"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type ReactNode, useEffect } from "react";
import { useHydrated } from "@/components/ui/use-hydrated";
import { needsSignIn, signInHref } from "@/lib/auth";
import { sessionQuery } from "@/lib/queries/session";

/**
 * Sends the user to the sign-in page (and back here afterwards) when nobody is signed in: on the
 * first load, and whenever a read is answered UNAUTHENTICATED (the providers re-ask who is signed
 * in). Needs `<Suspense>` above it (it reads the search params).
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const { data } = useQuery(sessionQuery());
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // after hydration only: the session may be known by the time this boundary hydrates, and the
  // server rendered the page
  const hydrated = useHydrated();
  const mustSignIn = hydrated && needsSignIn(data);
  const search = params.toString();
  const href = signInHref(`${pathname}${search ? `?${search}` : ""}`, "expired");
  useEffect(() => {
    if (mustSignIn) router.replace(href);
  }, [mustSignIn, href, router]);
  if (mustSignIn) {
    return (
      <div role="alert" data-testid="sign-in-required" className="mx-auto mt-16 max-w-md text-center">
        <p className="text-lg font-medium">Sign-in required</p>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          The console needs an API key.{" "}
          <Link className="text-indigo-700 underline dark:text-indigo-300" href={href}>
            Sign in
          </Link>
        </p>
      </div>
    );
  }
  return <>{children}</>;
}
