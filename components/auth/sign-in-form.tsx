"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/error-notice";
import { Field, Input } from "@/components/ui/field";
import { identityOf, safeNext } from "@/lib/auth";
import { sessionApi, sessionKeys, sessionQuery } from "@/lib/queries/session";

const REASONS: Record<string, string> = {
  expired: "Your session ended or the key is no longer valid: sign in again to continue.",
  "signed-out": "You are signed out.",
};

/** The key field: `POST /api/session` sets the httpOnly session cookie, then back to where the user was. */
export function SignInForm({ next, reason }: { next: string | null; reason: string | null }) {
  const id = useId();
  const qc = useQueryClient();
  const router = useRouter();
  const [key, setKey] = useState("");
  const [problem, setProblem] = useState<string>();
  const session = useQuery(sessionQuery());
  const target = safeNext(next);
  const signIn = useMutation({
    mutationFn: sessionApi.signIn,
    onSuccess: (s) => {
      // everything read before belonged to nobody (or someone else)
      qc.removeQueries();
      qc.setQueryData(sessionKeys.all, s);
      router.replace(target);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) {
      setProblem("Enter an API key");
      return;
    }
    setProblem(undefined);
    signIn.mutate(k);
  };
  const current = identityOf(session.data);
  return (
    <form onSubmit={submit} noValidate aria-label="Sign in" className="space-y-4">
      {reason && REASONS[reason] && (
        <p role="status" data-testid="sign-in-reason" className="rounded-md bg-slate-100 px-3 py-2 text-sm dark:bg-slate-800">
          {REASONS[reason]}
        </p>
      )}
      {current && !signIn.isSuccess && (
        <p className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-950/50 dark:text-emerald-200">
          Already signed in as <span className="font-mono">{current.caller}</span>.{" "}
          <Link className="underline" href={target}>
            Continue
          </Link>
        </p>
      )}
      <Field
        id={`${id}-key`}
        label="API key"
        hint="An admin or operator key (anm_…). It is exchanged for a session cookie; the console does not keep the key."
        errors={problem ? [problem] : []}
      >
        {(p) => (
          <Input
            {...p}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => {
              setKey(e.target.value);
              setProblem(undefined);
            }}
            placeholder="anm_…"
            autoFocus
          />
        )}
      </Field>
      {signIn.error && <ErrorNotice error={signIn.error} testId="sign-in-error" />}
      <Button type="submit" variant="primary" className="w-full" disabled={signIn.isPending}>
        {signIn.isPending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
