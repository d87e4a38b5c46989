import { AppError } from "../../../lib/errors";
import { redactConfig } from "../../config";
import { sendJson } from "./io";
import type { Route } from "./router";

/**
 * `GET /api/config`: the running configuration with every secret redacted (`redactConfig`), for
 * operators checking what a replica runs with. Admins of all tenants only: the configuration is the
 * whole installation's, not one tenant's.
 */
export const configRoutes: readonly Route[] = [
  {
    method: "GET",
    path: "/api/config",
    access: "keys:admin",
    handler({ res, ctx, c }) {
      if (ctx.tenants !== "*") {
        throw new AppError("FORBIDDEN", "The configuration is shown only to admins of all tenants", {
          details: [{ field: "authorization", rule: "must be an admin key without a tenant" }],
        });
      }
      sendJson(res, 200, redactConfig(c.config));
    },
  },
];
