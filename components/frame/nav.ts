/** The console's pages, in sidebar order. Pages not built yet say which feature brings them. */
export interface NavItem {
  href: string;
  label: string;
  /** The feature that will bring the page; absent for pages built already. */
  comingWith?: string;
}

export const NAV: readonly NavItem[] = [
  { href: "/", label: "Dashboard" },
  { href: "/live", label: "Live tail" },
  { href: "/explorer", label: "Explorer" },
  { href: "/subscriptions", label: "Subscriptions" },
  { href: "/dead-letters", label: "Dead letters" },
  { href: "/tenants", label: "Tenants" },
  { href: "/audit", label: "Audit" },
  { href: "/keys", label: "Keys" },
  { href: "/publish", label: "Publish" },
];

/** Whether `href` is the current page (the dashboard only at `/`, others also for their sub-paths). */
export function isCurrent(href: string, pathname: string): boolean {
  if (href === "/") return pathname === "/";
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function navItem(href: string): NavItem {
  const item = NAV.find((n) => n.href === href);
  if (!item) throw new Error(`no nav item ${href}`);
  return item;
}
