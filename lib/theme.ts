/**
 * Light and dark themes with Tailwind's class strategy (`.dark` on `<html>`, see app/globals.css).
 * The choice is kept in localStorage; without one the system preference decides.
 */

export type Theme = "light" | "dark";

export const THEME_STORAGE_KEY = "anumate.theme";

/** The theme to show: the stored choice, else the system's. */
export function resolveTheme(stored: string | null, prefersDark: boolean): Theme {
  if (stored === "light" || stored === "dark") return stored;
  return prefersDark ? "dark" : "light";
}

/**
 * Runs in `<head>` before the first paint (no flash of the wrong theme). Kept tiny and
 * dependency-free: it is inlined as text, so it mirrors `resolveTheme` instead of calling it.
 */
export const THEME_SCRIPT = `(function(){try{var s=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});var d=s==="dark"||(s!=="light"&&window.matchMedia("(prefers-color-scheme: dark)").matches);var e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light"}catch(_){}})()`;

/** Applies and stores a theme (the toggle's action). */
export function applyTheme(theme: Theme, doc: Document = document, storage: Storage | undefined = globalThis.localStorage): void {
  doc.documentElement.classList.toggle("dark", theme === "dark");
  doc.documentElement.style.colorScheme = theme;
  try {
    storage?.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // private mode or storage full: the theme still applies to this page
  }
}
