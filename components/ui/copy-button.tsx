"use client";

import { useEffect, useState } from "react";
import { Button, type ButtonProps } from "./button";

/** Copies `text()` to the clipboard and says so; says so too when the browser refuses. */
export function CopyButton({
  text,
  label,
  ...rest
}: Omit<ButtonProps, "onClick" | "children"> & { text: () => string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const t = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <Button
      size="sm"
      {...rest}
      onClick={() => {
        // no clipboard outside a secure context: say so rather than fail silently
        const write = navigator.clipboard?.writeText(text()) ?? Promise.reject(new Error("no clipboard"));
        write.then(
          () => setState("copied"),
          () => setState("failed"),
        );
      }}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}</span>
    </Button>
  );
}
