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

/**
 * The tenant an audit record of a caller's action belongs to: the one the action named, else the
 * caller's own when its key has exactly one (so a tenant's operators find their actions), else none.
 */
export function auditTenant(ctx: Ctx, named?: string): string | undefined {
  if (named !== undefined) return named;
  return ctx.tenants !== "*" && ctx.tenants.length === 1 ? ctx.tenants[0] : undefined;
}
