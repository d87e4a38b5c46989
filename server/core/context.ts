/**
 * The caller context every core verb takes. Auth (a later issue) fills `caller` and `tenants`
 * from the API key; until then the HTTP edge builds an admin context.
 */
export interface Ctx {
  /** Who is calling: an API key id, "admin", "system" or "anonymous". */
  readonly caller: string;
  /** Tenants this caller may act on; `"*"` means every tenant. */
  readonly tenants: "*" | readonly string[];
  /** Event types this caller may publish and subscribe to (patterns); absent means any. */
  readonly types?: readonly string[];
  /** W3C trace context of the request, when the caller sent one. */
  readonly trace?: { readonly traceparent: string; readonly tracestate?: string };
}

export function systemCtx(caller = "system"): Ctx {
  return { caller, tenants: "*" };
}

export function mayActOn(ctx: Ctx, tenant: string): boolean {
  return ctx.tenants === "*" || ctx.tenants.includes(tenant);
}
