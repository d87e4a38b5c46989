"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False on the server and while hydrating, true afterwards. For views inside a `<Suspense>`
 * boundary that read queries other components share (e.g. health): the boundary hydrates later,
 * when the cache may already hold data the server did not have, and rendering it then would not
 * match the server's HTML.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
