import { describe, expect, it } from "vitest";
import { applyTheme, resolveTheme, THEME_SCRIPT, THEME_STORAGE_KEY } from "./theme";

/** Runs the inline head script against a fake document, storage and media query. */
function runScript(stored: string | null, prefersDark: boolean, storageThrows = false) {
  const classes = new Set<string>();
  const style: Record<string, string> = {};
  const documentElement = {
    classList: { toggle: (c: string, on: boolean) => (on ? classes.add(c) : classes.delete(c)) },
    style,
  };
  const localStorage = {
    getItem: (k: string) => {
      if (storageThrows) throw new Error("denied");
      return k === THEME_STORAGE_KEY ? stored : null;
    },
  };
  const window = { matchMedia: (q: string) => ({ matches: q === "(prefers-color-scheme: dark)" && prefersDark }) };
  new Function("document", "localStorage", "window", THEME_SCRIPT)({ documentElement }, localStorage, window);
  return { dark: classes.has("dark"), colorScheme: style.colorScheme };
}

describe("theme", () => {
  it("resolves the stored choice, else the system's", () => {
    expect(resolveTheme("dark", false)).toBe("dark");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme(null, true)).toBe("dark");
    expect(resolveTheme("purple", false)).toBe("light");
  });

  it("the head script agrees with resolveTheme in every case", () => {
    for (const stored of ["dark", "light", null, "purple"]) {
      for (const prefersDark of [true, false]) {
        const r = runScript(stored, prefersDark);
        const expected = resolveTheme(stored, prefersDark);
        expect(r.dark, `${stored}/${prefersDark}`).toBe(expected === "dark");
        expect(r.colorScheme).toBe(expected);
      }
    }
  });

  it("the head script never throws (storage may be denied)", () => {
    expect(runScript(null, true, true)).toEqual({ dark: false, colorScheme: undefined });
  });

  it("applies and stores a choice", () => {
    const classes = new Set<string>();
    const doc = {
      documentElement: {
        classList: { toggle: (c: string, on: boolean) => (on ? classes.add(c) : classes.delete(c)) },
        style: {} as Record<string, string>,
      },
    } as unknown as Document;
    const store = new Map<string, string>();
    const storage = { setItem: (k: string, v: string) => store.set(k, v) } as unknown as Storage;
    applyTheme("dark", doc, storage);
    expect(classes.has("dark")).toBe(true);
    expect(store.get(THEME_STORAGE_KEY)).toBe("dark");
    applyTheme("light", doc, storage);
    expect(classes.has("dark")).toBe(false);
    expect(doc.documentElement.style.colorScheme).toBe("light");
  });
});
