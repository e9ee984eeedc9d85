import { describe, expect, it } from "vitest";
import { CLOSURE_DEFAULTS, closureDefaults, withClosureDefaults } from "../../../shared/closure/schema.js";

describe("closure defaults", () => {
  it("are CLOSURE_DEFAULTS, as fresh objects each time", () => {
    const a = closureDefaults();
    const b = closureDefaults();
    expect(a).toEqual(CLOSURE_DEFAULTS);
    expect(a.overdue).not.toBe(b.overdue);
    expect(a.callbacks).not.toBe(b.callbacks);
    a.callbacks.push({} as never);
    expect(closureDefaults().callbacks).toEqual([]);
  });

  it("fill in only what a stored ticket lacks, on a copy", () => {
    const stored = { id: "t1", escalatedAt: "2026-12-01T00:00:00.000Z" };
    const filled = withClosureDefaults(stored) as Record<string, unknown>;
    expect(filled).toEqual({ ...CLOSURE_DEFAULTS, ...stored });
    expect(filled).not.toBe(stored);
    expect(stored).toEqual({ id: "t1", escalatedAt: "2026-12-01T00:00:00.000Z" });
  });
});
