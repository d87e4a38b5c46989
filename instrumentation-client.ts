import { z } from "zod";

// Runs in the browser before any of the console's modules (Next's client instrumentation hook).
// zod probes for `new Function` support (its faster JIT parser) when an object schema is built;
// under the console's CSP (no 'unsafe-eval') the probe fails harmlessly but reports a violation.
// Schemas are built when their modules load, and a page's modules may load before the root
// layout's, so this is said here, before any of them.
z.config({ jitless: true });
