/** The event catalog: types, `data` schemas and examples of every `com.anumate.*` event. */
export * from "./approval";
export * from "./capsule";
export * from "./catalog";
export { type CatalogEntry, type CatalogType, DOMAINS, type Domain, SERVICES, type Service } from "./entry";
export * from "./execution";
export type { Actor } from "./fields";
export * from "./policy";
