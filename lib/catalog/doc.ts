import { catalog } from "./catalog";

/** `|` and line breaks would split a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/**
 * `docs/catalog.md`, generated from the catalog so the two cannot drift
 * (`npx tsx scripts/catalog-doc.ts > docs/catalog.md`; a unit test compares them).
 */
export function renderCatalogDoc(entries: readonly { type: string; service: string; description: string }[] = catalog): string {
  const rows = entries.map((e) => `| \`${e.type}\` | ${e.service} | ${cell(e.description)} |`);
  return [
    "# Event catalog",
    "",
    "<!-- Generated from lib/catalog by `npx tsx scripts/catalog-doc.ts > docs/catalog.md`. Do not edit by hand. -->",
    "",
    `The ${entries.length} event types of the platform. Each has a zod schema for its \`data\` (camelCase`,
    "fields, RFC 3339 times, unknown fields rejected) and an example, in `lib/catalog`:",
    "`validateEventData(type, data)` names each bad field as `data.<path>`; `getCatalogEntry(type)`",
    "gives the schema, description, producer and example. The producer is also the event's `source`",
    "(`/<service>`).",
    "",
    "| type | producer | description |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
