"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { identityOf, signInHref } from "@/lib/auth";
import { describeError } from "@/lib/error-text";
import { sessionApi, sessionQuery } from "@/lib/queries/session";

/** Who is signed in (caller, tenant scope, roles) and "Sign out", in the frame's top bar. */
export function UserMenu() {
  const { data, error } = useQuery(sessionQuery());
  const qc = useQueryClient();
  const router = useRouter();
  const signOut = useMutation({
    mutationFn: sessionApi.signOut,
    onSuccess: () => {
      qc.removeQueries();
      router.replace(signInHref("/", "signed-out"));
    },
  });
  if (error) {
    return (
      <span className="text-xs text-red-700 dark:text-red-400" data-testid="identity-error" title={describeError(error).message}>
        Session unknown ({describeError(error).code})
      </span>
    );
  }
  const id = identityOf(data);
  if (!id) return null;
  return (
    <div className="flex items-center gap-2" data-testid="identity">
      <div className="hidden text-right leading-tight lg:block">
        <p className="max-w-56 truncate text-xs font-medium" data-testid="identity-caller" title={id.caller}>
          {id.caller}
        </p>
        <p className="max-w-56 truncate text-[11px] text-slate-500 dark:text-slate-400" data-testid="identity-scope">
          {id.scope}
        </p>
      </div>
      <span className="flex gap-1" data-testid="identity-roles">
        {id.roles.map((r) => (
          <Badge key={r} tone={r === "admin" ? "blue" : "slate"}>
            {r}
          </Badge>
        ))}
      </span>
      {!data?.authDisabled && (
        <Button size="sm" variant="ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          {signOut.isPending ? "Signing out…" : "Sign out"}
        </Button>
      )}
      {signOut.error && (
        <span role="alert" className="text-xs text-red-700 dark:text-red-400">
          {describeError(signOut.error).title}: {describeError(signOut.error).message}
        </span>
      )}
    </div>
  );
}
