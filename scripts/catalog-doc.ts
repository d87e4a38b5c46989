// Prints docs/catalog.md from the catalog: npx tsx scripts/catalog-doc.ts > docs/catalog.md
import { renderCatalogDoc } from "../lib/catalog/doc";

process.stdout.write(renderCatalogDoc());
