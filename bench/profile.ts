import { readFileSync } from "node:fs";
import path from "node:path";
import { BUNDLE_DIR } from "./bundle";

/**
 * Reads a V8 .cpuprofile and answers: how the CPU time splits by origin (product code, nats.js,
 * Node core, GC, ...), which functions have the most self time, and (for product code) the most
 * inclusive time.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export type Category =
  | "product (server/, lib/)"
  | "bench harness (bench/)"
  | "@nats-io"
  | "zod"
  | "pino"
  | "ioredis"
  | "other deps"
  | "node core (http, net, streams, ...)"
  | "V8 builtins / native"
  | "garbage collector"
  | "program (native, unattributed)"
  | "idle";

export interface FnTime {
  name: string;
  where: string;
  category: Category;
  ms: number;
  /** For library/runtime code: the caller it is mostly reached from (nearest product or library frame). */
  via?: string;
}

export interface ProfileSummary {
  busyMs: number;
  wallMs: number;
  byCategory: { category: Category; ms: number }[];
  topSelf: FnTime[];
  topSelfProduct: FnTime[];
  topInclusiveProduct: FnTime[];
}

const root = process.cwd();

const filePath = (url: string) => (url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url);

/**
 * The bench's children are esbuild bundles (see bundle.ts); esbuild marks where each source module
 * starts with a `// path/to/module.ts` line, so a bundle position maps back to its module.
 */
const bundleModules = new Map<string, { starts: number[]; modules: string[] } | null>();
function moduleInBundle(url: string, line: number): string | undefined {
  const file = filePath(url);
  if (!file.startsWith(BUNDLE_DIR)) return undefined;
  let index = bundleModules.get(file);
  if (index === undefined) {
    index = null;
    try {
      const starts: number[] = [];
      const modules: string[] = [];
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((l, i) => {
          const m = /^\/\/ ((?:server|lib|bench)\/\S+\.tsx?)$/.exec(l);
          if (m) {
            starts.push(i);
            modules.push(m[1] as string);
          }
        });
      index = { starts, modules };
    } catch {
      // unreadable: positions stay unmapped
    }
    bundleModules.set(file, index);
  }
  if (!index) return undefined;
  let found: string | undefined;
  for (let i = 0; i < index.starts.length && (index.starts[i] as number) <= line; i++) found = index.modules[i];
  return found;
}

function where(url: string, line: number): string {
  if (url.length === 0) return "";
  const mod = moduleInBundle(url, line);
  if (mod) return mod;
  let p = filePath(url);
  if (p.startsWith(root)) p = path.relative(root, p);
  const nm = p.lastIndexOf("node_modules/");
  if (nm >= 0) p = p.slice(nm + "node_modules/".length);
  return `${p}:${line + 1}`;
}

function categorize(frame: CallFrame): Category {
  const { functionName: fn, url } = frame;
  if (fn === "(idle)") return "idle";
  if (fn === "(garbage collector)") return "garbage collector";
  if (fn === "(program)" || fn === "(root)") return "program (native, unattributed)";
  if (url.startsWith("node:")) return "node core (http, net, streams, ...)";
  if (url.length === 0) return "V8 builtins / native";
  const mod = moduleInBundle(url, frame.lineNumber);
  if (mod !== undefined) return mod.startsWith("bench/") ? "bench harness (bench/)" : "product (server/, lib/)";
  if (url.includes("/node_modules/@nats-io/")) return "@nats-io";
  if (url.includes("/node_modules/zod/")) return "zod";
  if (url.includes("/node_modules/pino")) return "pino";
  if (url.includes("/node_modules/ioredis/")) return "ioredis";
  if (url.includes("/node_modules/")) return "other deps";
  const rel = path.relative(root, filePath(url));
  if (rel.startsWith("server/") || rel.startsWith("lib/")) return "product (server/, lib/)";
  if (rel.startsWith("bench/")) return "bench harness (bench/)";
  return "other deps";
}

export function analyzeProfile(file: string, top = 15): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parentOf = new Map<number, number>();
  for (const n of prof.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parentOf.set(c, n.id);
  }

  // self time per node: each sample owns the time until the next sample
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i] as number;
    const dt = i + 1 < prof.timeDeltas.length ? (prof.timeDeltas[i + 1] as number) : 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }

  const keyOf = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"}\u0000${where(n.callFrame.url, n.callFrame.lineNumber)}`;

  // "via": for runtime code, the nearest library or product frame above it; for library code, the nearest product frame
  const library = new Set<Category>(["@nats-io", "zod", "pino", "ioredis", "other deps"]);
  const viaOf = (n: ProfileNode): string => {
    const own = categorize(n.callFrame);
    if (own === "product (server/, lib/)" || own === "garbage collector" || own === "program (native, unattributed)") return "";
    const wanted = (c: Category) => c === "product (server/, lib/)" || (library.has(c) && !library.has(own) && c !== own);
    for (let id = parentOf.get(n.id); id !== undefined; id = parentOf.get(id)) {
      const a = byId.get(id);
      if (!a) break;
      if (wanted(categorize(a.callFrame))) {
        const w = where(a.callFrame.url, a.callFrame.lineNumber);
        return `${a.callFrame.functionName || "(anonymous)"} (${w})`;
      }
    }
    return "event loop / I/O callback";
  };
  const viaTimes = new Map<string, Map<string, number>>();

  const self = new Map<string, FnTime>();
  const byCat = new Map<Category, number>();
  let busyUs = 0;
  for (const n of prof.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0) continue;
    const cat = categorize(n.callFrame);
    byCat.set(cat, (byCat.get(cat) ?? 0) + us);
    if (cat !== "idle") busyUs += us;
    const k = keyOf(n);
    const f = self.get(k) ?? {
      name: n.callFrame.functionName || "(anonymous)",
      where: where(n.callFrame.url, n.callFrame.lineNumber),
      category: cat,
      ms: 0,
    };
    f.ms += us / 1000;
    self.set(k, f);
    const v = viaOf(n);
    if (v) {
      const m = viaTimes.get(k) ?? new Map<string, number>();
      m.set(v, (m.get(v) ?? 0) + us);
      viaTimes.set(k, m);
    }
  }
  for (const [k, m] of viaTimes) {
    const f = self.get(k);
    if (!f) continue;
    const best = [...m.entries()].sort((a, b) => b[1] - a[1])[0];
    if (best) f.via = `${best[0]}${m.size > 1 ? ` (${Math.round((100 * best[1]) / (f.ms * 1000))}%)` : ""}`;
  }

  // inclusive time: subtree totals, counted once per key along a path (recursion-safe)
  const subtree = new Map<number, number>();
  const total = (id: number): number => {
    const cached = subtree.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id);
    let t = selfUs.get(id) ?? 0;
    for (const c of n?.children ?? []) t += total(c);
    subtree.set(id, t);
    return t;
  };
  const inclusive = new Map<string, FnTime>();
  const rootNode = prof.nodes[0];
  if (rootNode) {
    const stack: { id: number; onPath: Set<string> }[] = [{ id: rootNode.id, onPath: new Set() }];
    while (stack.length > 0) {
      const { id, onPath } = stack.pop() as { id: number; onPath: Set<string> };
      const n = byId.get(id);
      if (!n) continue;
      const k = keyOf(n);
      const cat = categorize(n.callFrame);
      let path2 = onPath;
      if (!onPath.has(k)) {
        if (cat === "product (server/, lib/)") {
          const f = inclusive.get(k) ?? {
            name: n.callFrame.functionName || "(anonymous)",
            where: where(n.callFrame.url, n.callFrame.lineNumber),
            category: cat,
            ms: 0,
          };
          f.ms += total(id) / 1000;
          inclusive.set(k, f);
        }
        path2 = new Set(onPath);
        path2.add(k);
      }
      for (const c of n.children ?? []) stack.push({ id: c, onPath: path2 });
    }
  }

  const sorted = (xs: Iterable<FnTime>) => [...xs].sort((a, b) => b.ms - a.ms);
  return {
    busyMs: busyUs / 1000,
    wallMs: (prof.endTime - prof.startTime) / 1000,
    byCategory: [...byCat.entries()].map(([category, us]) => ({ category, ms: us / 1000 })).sort((a, b) => b.ms - a.ms),
    topSelf: sorted(self.values())
      .filter((f) => f.category !== "idle")
      .slice(0, top),
    topSelfProduct: sorted(self.values())
      .filter((f) => f.category === "product (server/, lib/)")
      .slice(0, top),
    topInclusiveProduct: sorted(inclusive.values()).slice(0, top),
  };
}

export function formatProfile(title: string, s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1)}%`;
  const lines: string[] = [];
  lines.push(`### ${title}`);
  lines.push("");
  lines.push(
    `Sampled ${(s.wallMs / 1000).toFixed(1)} s of the measured phase; the main thread was busy ${(s.busyMs / 1000).toFixed(1)} s ` +
      `(${((100 * s.busyMs) / s.wallMs).toFixed(0)}%). Percentages are of busy time.`,
  );
  lines.push("");
  lines.push("| Where the busy time goes | ms | share |");
  lines.push("|---|---:|---:|");
  for (const c of s.byCategory) if (c.category !== "idle") lines.push(`| ${c.category} | ${c.ms.toFixed(0)} | ${pct(c.ms)} |`);
  lines.push("");
  lines.push("| Top self time (all code) | where | mostly reached via | self ms | share |");
  lines.push("|---|---|---|---:|---:|");
  for (const f of s.topSelf) {
    lines.push(`| \`${f.name}\` | ${f.where || f.category} | ${f.via ?? ""} | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`);
  }
  lines.push("");
  lines.push("| Top self time (product code) | where | self ms | share |");
  lines.push("|---|---|---:|---:|");
  for (const f of s.topSelfProduct) lines.push(`| \`${f.name}\` | ${f.where} | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`);
  lines.push("");
  lines.push("| Top inclusive time (product code) | where | total ms | share |");
  lines.push("|---|---|---:|---:|");
  for (const f of s.topInclusiveProduct) lines.push(`| \`${f.name}\` | ${f.where} | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`);
  return lines.join("\n");
}
