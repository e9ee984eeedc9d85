import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createRuntime } from "../../functions/lib/runtime.js";
import { handler as createHandler } from "../../functions/tickets-create.js";
import { handler as getHandler } from "../../functions/tickets-get.js";
import { ensureQueues, ensureTable } from "../../scripts/local/stand-ins.js";
import { issueApiKey } from "../../shared/services/auth.js";
import { defaultConfig, report, standInSettings } from "../support/system.js";

/** An API Gateway HTTP API (payload 2.0) event, as AWS sends it. */
function apiEvent(
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; params?: Record<string, string> } = {},
) {
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: {
      "Content-Type": "application/json",
      ...(opts.key ? { Authorization: `Bearer ${opts.key}` } : {}),
    },
    ...(opts.params ? { pathParameters: opts.params } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "example.execute-api.local",
      domainPrefix: "example",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: `req-${randomBytes(4).toString("hex")}`,
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

const context = { awsRequestId: "aws-req" } as Context;
const ENV_KEYS = [
  "TABLE_NAME",
  "QUEUE_URL_BASE",
  "QUEUE_PREFIX",
  "DYNAMODB_ENDPOINT",
  "SQS_ENDPOINT",
] as const;

afterEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
  vi.restoreAllMocks();
});

describe("the deployed Lambda entry points (middy handler + runtime from the environment)", () => {
  it("a runtime that cannot start answers 500 without details and logs why", async () => {
    const lines: string[] = [];
    // Powertools writes errors and warnings to stderr, the rest to stdout.
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    const res = (await getHandler(
      apiEvent("GET", "/v1/tickets/x", { params: { id: "x" } }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(String(res.body))).toEqual({
      error: { code: "internal", message: expect.any(String) },
    });
    expect(String(res.body)).not.toContain("TABLE_NAME");
    // Powertools Logger (JSON, the invocation's request id as correlation id), fields masked by shared/log.ts.
    const logged = lines
      .flatMap((l) => l.split("\n").filter(Boolean))
      .map((l) => JSON.parse(l))
      .find((l) => l.message === "runtime initialisation failed");
    expect(logged?.errorMessage).toContain("TABLE_NAME");
    expect(logged).toMatchObject({ level: "ERROR", service: "intake", function_request_id: "aws-req" });
  });

  it("with its environment set, the same handler serves requests (and recovers after the failed start)", async () => {
    const name = `lambda-${randomBytes(3).toString("hex")}`;
    const config = defaultConfig();
    await ensureTable(inject("dynamoEndpoint"), name);
    await ensureQueues(inject("sqsEndpoint"), name, config);
    Object.assign(process.env, {
      TABLE_NAME: name,
      QUEUE_URL_BASE: inject("sqsUrlBase"),
      QUEUE_PREFIX: name,
      DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
      SQS_ENDPOINT: inject("sqsEndpoint"),
    });
    const admin = await createRuntime(standInSettings(name), config, { quiet: true });
    const { key } = await issueApiKey(admin.core.keys, { role: "operator" });
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);

    const created = (await createHandler(
      apiEvent("POST", "/v1/tickets", { key, body: report({ categoryId: "noise" }) }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(created.statusCode).toBe(201);
    const ticket = JSON.parse(String(created.body));
    expect(ticket.department).toBe("eco");

    const got = (await getHandler(
      apiEvent("GET", `/v1/tickets/${ticket.id}`, { key, params: { id: ticket.id } }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(got.statusCode).toBe(200);
    expect(JSON.parse(String(got.body)).history).toHaveLength(2);
  });
});
