import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("metrics as CloudWatch EMF (Powertools)", () => {
  it("each count is one EMF record on stdout with its namespace, dimensions and unit", async () => {
    // A fresh process, as a Lambda's: EMF goes to stdout, which is what CloudWatch reads.
    const script = `
      import { createEmfMetrics } from "./shared/adapters/emf-metrics.ts";
      const m = createEmfMetrics({ namespace: "CitizenIntake/test", service: "intake" });
      m.count("TicketsCreated", { channel: "wechat" });
      m.count("DeadLetters", {}, 3);
    `;
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, POWERTOOLS_DEV: "false" },
    });
    const records = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, any>);
    expect(records).toHaveLength(2);
    const [created, dead] = records as [Record<string, any>, Record<string, any>];
    expect(created._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "CitizenIntake/test",
      Metrics: [{ Name: "TicketsCreated", Unit: "Count" }],
    });
    expect(created._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(["channel"]));
    expect(created).toMatchObject({ channel: "wechat", TicketsCreated: 1, service: "intake" });
    expect(dead).toMatchObject({ DeadLetters: 3 });
  });
});
