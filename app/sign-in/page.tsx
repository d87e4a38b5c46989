import type { Metadata } from "next";
import { Suspense } from "react";
import { AuthDisabledBanner } from "@/components/auth/auth-banner";
import { SignInClient } from "./client";

export const metadata: Metadata = { title: "Sign in" };

export default function SignInPage() {
  return (
    <div className="min-h-screen">
      <AuthDisabledBanner />
      <main id="main" className="mx-auto mt-24 w-full max-w-sm px-4">
        <div className="mb-6 flex items-center gap-3">
          <span aria-hidden className="grid h-9 w-9 place-items-center rounded-md bg-indigo-600 font-bold text-white">
            A
          </span>
          <div>
            <h1 className="text-xl font-semibold tracking-tight">Sign in</h1>
            <p className="text-sm text-slate-600 dark:text-slate-400">Anumate Event Bus console</p>
          </div>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
          <Suspense fallback={<p className="text-sm text-slate-500">Loading…</p>}>
            <SignInClient />
          </Suspense>
        </div>
      </main>
    </div>
  );
}
