import { describe, expect, it } from "vitest";

describe("the Node.js the project runs on", () => {
  it("is 22 or newer, as on Lambda (npm ci brings Node 22 for the scripts where the machine has an older one)", () => {
    const [major] = process.versions.node.split(".").map(Number);
    expect(major).toBeGreaterThanOrEqual(22);
  });
});
