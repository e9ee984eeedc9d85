import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { addInvocationContext, lambdaLogger } from "../../../functions/lib/lambda-log.js";

/** Every JSON line Powertools writes while `fn` runs (stdout for info, stderr for warnings and errors). */
function captured(fn: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  fn();
  vi.restoreAllMocks();
  return lines.flatMap((l) => l.split("\n").filter(Boolean)).map((l) => JSON.parse(l));
}

afterEach(() => vi.restoreAllMocks());

describe("the Lambda log (Powertools Logger behind the project's Logger port)", () => {
  it("writes JSON with the invocation's correlation ids and masks phones and names", () => {
    const [line] = captured(() => {
      addInvocationContext({
        awsRequestId: "req-1",
        functionName: "intake-app-tickets-create",
        functionVersion: "$LATEST",
        invokedFunctionArn: "arn:aws-cn:lambda:cn-north-1:111122223333:function:x",
        memoryLimitInMB: "512",
      } as Context);
      lambdaLogger({ requestId: "api-1" }).log("warn", "reporter unreachable", {
        phone: "13912345678",
        name: "王小明",
        detail: "回电 13912345678 无人接听",
      });
    });
    expect(line).toMatchObject({
      level: "WARN",
      message: "reporter unreachable",
      service: "intake",
      function_request_id: "req-1",
      function_name: "intake-app-tickets-create",
      requestId: "api-1",
      phone: "139****5678",
    });
    const text = JSON.stringify(line);
    expect(text).not.toContain("13912345678");
    expect(text).not.toContain("王小明");
  });

  it("a child carries its fields into every line", () => {
    const lines = captured(() => {
      const log = lambdaLogger().child({ ticketId: "t-1" });
      log.log("info", "ticket delivered", { target: "water" });
      log.log("error", "request failed", { error: "TimeoutError" });
    });
    expect(lines.map((l) => [l.level, l.ticketId])).toEqual([
      ["INFO", "t-1"],
      ["ERROR", "t-1"],
    ]);
  });

  it("keeps a field named like one of Powertools' own keys (renamed, not dropped)", () => {
    const lines = captured(() =>
      lambdaLogger().log("warn", "calendar coverage", { message: "2027 missing" }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: "calendar coverage", field_message: "2027 missing" });
  });
});
