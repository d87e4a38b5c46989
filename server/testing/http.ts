/** Waiting and JSON requests for integration tests against a running app. */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 25 ms until it holds; fails after `ms`, naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`${what} not met within ${ms} ms`);
}

/**
 * `api(method, path, body?, base?)`: a JSON request to `base` (the app `defaultBase()` names when
 * not given), answered as `{status, body}` with the body parsed (undefined when empty).
 */
export function apiClient(defaultBase: () => string) {
  return async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, base = defaultBase()) {
    const res = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
