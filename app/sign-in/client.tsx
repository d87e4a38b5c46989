"use client";

import { useSearchParams } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";

export function SignInClient() {
  const params = useSearchParams();
  return <SignInForm next={params.get("next")} reason={params.get("reason")} />;
}
