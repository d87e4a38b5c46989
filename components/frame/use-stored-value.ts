"use client";

import { useCallback, useSyncExternalStore } from "react";

const LOCAL_EVENT = "anumate:storage";

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Writes a localStorage value (removes it for `null`) and tells every `useStoredValue` in this tab. */
export function writeStoredValue(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // private mode or storage full: the value still applies to this page through the URL
  }
  window.dispatchEvent(new CustomEvent(LOCAL_EVENT, { detail: key }));
}

/** A localStorage value, kept in sync across components and tabs; `null` on the server. */
export function useStoredValue(key: string): string | null {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const onStorage = (e: StorageEvent) => {
        if (e.key === key || e.key === null) onChange();
      };
      const onLocal = (e: Event) => {
        if ((e as CustomEvent<string>).detail === key) onChange();
      };
      window.addEventListener("storage", onStorage);
      window.addEventListener(LOCAL_EVENT, onLocal);
      return () => {
        window.removeEventListener("storage", onStorage);
        window.removeEventListener(LOCAL_EVENT, onLocal);
      };
    },
    [key],
  );
  return useSyncExternalStore(
    subscribe,
    () => read(key),
    () => null,
  );
}
