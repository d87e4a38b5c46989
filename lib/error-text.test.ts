import { describe, expect, it } from "vitest";
import { ApiError } from "./api-client";
import { describeError } from "./error-text";

describe("describeError", () => {
  it("titles API errors by their code, keeping the API's message and details", () => {
    const e = describeError(
      new ApiError(409, "CONFLICT", 'A subscription named "x" already exists', [
        { field: "name", rule: "must be unique per tenant" },
      ]),
    );
    expect(e).toEqual({
      code: "CONFLICT",
      title: "Conflict",
      message: 'A subscription named "x" already exists',
      details: [{ field: "name", rule: "must be unique per tenant" }],
      retryable: false,
    });
  });

  it("says which errors are worth retrying", () => {
    expect(describeError(new ApiError(503, "UNAVAILABLE", "NATS down")).retryable).toBe(true);
    expect(describeError(new ApiError(429, "RATE_LIMITED", "slow down")).retryable).toBe(true);
    expect(describeError(new ApiError(400, "VALIDATION", "bad")).retryable).toBe(false);
    expect(describeError(new ApiError(503, "UNAVAILABLE", "x")).title).toBe("The bus is unavailable");
  });

  it("describes errors of the console itself", () => {
    expect(describeError(new TypeError("x is undefined"))).toMatchObject({ code: "CLIENT", message: "x is undefined" });
    expect(describeError("boom")).toMatchObject({ code: "CLIENT", message: "boom" });
  });
});
