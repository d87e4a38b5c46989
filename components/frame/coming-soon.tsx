import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/panel";
import { navItem } from "./nav";

/** A page that is in the navigation but not built yet: says which feature brings it. */
export function ComingSoon({ href, description }: { href: string; description: string }) {
  const item = navItem(href);
  return (
    <>
      <PageHeader title={item.label} description={description} />
      <EmptyState testId="coming-soon" title={`${item.label}: coming with ${item.comingWith ?? "a later release"}`}>
        This page is part of the console's plan; its API is not there yet.
      </EmptyState>
    </>
  );
}
