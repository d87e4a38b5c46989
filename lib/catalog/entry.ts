import type { z } from "zod";

/** The domains of the platform, the third token of every catalog type. */
export const DOMAINS = ["capsule", "policy", "execution", "approval"] as const;
export type Domain = (typeof DOMAINS)[number];

/** The services that produce catalog events (the CloudEvents `source` is `/<service>`). */
export const SERVICES = ["capsule-registry", "policy", "orchestrator", "approvals"] as const;
export type Service = (typeof SERVICES)[number];

/** A catalog type name: `com.anumate.<domain>.<verb>`. */
export type CatalogType = `com.anumate.${Domain}.${string}`;

/** One event type of the catalog. */
export interface CatalogEntry<T extends CatalogType = CatalogType, S extends z.ZodObject = z.ZodObject> {
  /** The CloudEvents `type` attribute, `com.anumate.<domain>.<verb>`. */
  readonly type: T;
  /** The domain token of `type`. */
  readonly domain: Domain;
  /** The service that produces events of this type. */
  readonly service: Service;
  /** One sentence: what happened when an event of this type is published. */
  readonly description: string;
  /** The schema of the event's `data` (a JSON object, camelCase fields). */
  readonly schema: S;
  /** A realistic `data` that passes `schema` (the console's Publish page starts from it). */
  readonly example: z.output<S>;
}

/** Builds a frozen entry; `domain` is read from the type so the two cannot disagree. */
export function defineEvent<const T extends CatalogType, S extends z.ZodObject>(def: {
  type: T;
  service: Service;
  description: string;
  schema: S;
  example: z.output<S>;
}): CatalogEntry<T, S> {
  const domain = DOMAINS.find((d) => def.type.startsWith(`com.anumate.${d}.`));
  if (domain === undefined) throw new Error(`catalog type ${def.type} does not start with com.anumate.<domain>.`);
  return Object.freeze({ ...def, domain });
}
