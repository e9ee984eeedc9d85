import { execFile } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Match } from "aws-cdk-lib/assertions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { esbuildBuildOptions } from "../../infra/bundling.js";
import { configInjectFile } from "../../infra/config-inject.js";
import { FUNCTION_ACCESS } from "../../infra/function-access.js";
import { REPO_ROOT } from "../../infra/paths.js";
import cityJson from "../../shared/config/city.json" with { type: "json" };
import { resourcesOf, synthIntakeApp } from "./synth.js";

const run = promisify(execFile);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "intake-infra-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a configuration file (JSON of `value`) and returns its path. */
function configFile(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

/** A small valid city: two departments. */
const SMALL = {
  city: { id: "small-town", name: "小城" },
  departments: [
    { id: "roads", name: "道路" },
    { id: "parks", name: "公园" },
  ],
  categories: [{ id: "pothole", name: "坑洼", kind: "component", keywords: ["坑"] }],
  routing: [{ category: "pothole", department: "roads" }],
  deadlines: {
    byUrgency: { urgent: { hours: 2 }, high: { hours: 24 }, normal: { hours: 72 }, low: { hours: 240 } },
  },
  queues: { visibilityTimeoutSeconds: 120, maxReceiveCount: 3, retentionDays: 14 },
};

describe("configuration file", () => {
  it("a missing file fails synth with a clear message naming the file", () => {
    expect(() => synthIntakeApp({ context: { config: join(dir, "nope.json") } })).toThrowError(
      /invalid city configuration .*nope\.json: \(root\): cannot read file \(ENOENT\)/,
    );
  });

  it("a file that is not JSON fails synth", () => {
    const path = configFile("broken.json", "{ departments: ");
    expect(() => synthIntakeApp({ context: { config: path } })).toThrowError(
      /broken\.json: \(root\): not valid JSON/,
    );
  });

  it("a bad field fails synth naming the field path", () => {
    const bad = { ...SMALL, departments: [{ id: "Roads!", name: "道路" }] };
    expect(() => synthIntakeApp({ context: { config: configFile("bad.json", bad) } })).toThrowError(
      /bad\.json: departments\.0\.id: must be lower-case/,
    );
    const badQueues = { ...SMALL, queues: { ...SMALL.queues, maxReceiveCount: 0 } };
    expect(() => synthIntakeApp({ context: { config: configFile("badq.json", badQueues) } })).toThrowError(
      /queues\.maxReceiveCount/,
    );
  });

  it("department ids that would clash with the system queues are refused", () => {
    const reserved = { ...SMALL, departments: [...SMALL.departments, { id: "callback", name: "x" }] };
    expect(() => synthIntakeApp({ context: { config: configFile("reserved.json", reserved) } })).toThrowError(
      /departments\.2\.id: 'callback' is reserved/,
    );
    const clash = { ...SMALL, departments: [...SMALL.departments, { id: "roads-dlq", name: "x" }] };
    expect(() => synthIntakeApp({ context: { config: configFile("clash.json", clash) } })).toThrowError(
      /departments\.2\.id: must not end in '-dlq'/,
    );
  });

  it("bad context values fail with the context key", () => {
    expect(() => synthIntakeApp({ context: { prefix: "Intake_Prod" } })).toThrowError(/context "prefix"/);
    expect(() => synthIntakeApp({ context: { bundleSdk: "maybe" } })).toThrowError(/context "bundleSdk"/);
    expect(() => synthIntakeApp({ context: { departmentPrincipal: "someone" } })).toThrowError(
      /context "departmentPrincipal"/,
    );
    expect(() => synthIntakeApp({ context: { logRetentionDays: "42" } })).toThrowError(
      /context "logRetentionDays"/,
    );
    expect(() => synthIntakeApp({ context: { webApiUrl: "ftp://api" } })).toThrowError(/context "webApiUrl"/);
  });
});

describe("another city, prefix and region", () => {
  it("builds queues, roles and settings from the given file", () => {
    const s = synthIntakeApp({
      context: {
        config: configFile("small.json", SMALL),
        prefix: "smalltown",
        account: "111122223333",
        region: "cn-north-1",
        departmentPrincipal: "444455556666",
        webDomainName: "form.example.gov.cn",
        webIamCertificateId: "ASCAEXAMPLECERTIFICATE",
        webApiUrl: "https://api.example.gov.cn",
      },
    });
    try {
      // The web app's files plus env.json naming the API (the pages call it instead of their own origin).
      const deploy = Object.values(resourcesOf(s.templates.web, "Custom::CDKBucketDeployment"))[0]!;
      expect(deploy.Properties.SourceObjectKeys).toHaveLength(2);
      expect(s.data.stackName).toBe("smalltown-data");
      const queues = Object.values(resourcesOf(s.templates.data, "AWS::SQS::Queue"));
      expect(queues.map((q) => q.Properties.QueueName).sort()).toEqual(
        ["roads", "parks", "triage", "notification", "callback", "wechat-bot"]
          .flatMap((t) => [`smalltown-${t}`, `smalltown-${t}-dlq`])
          .sort(),
      );
      const main = queues.find((q) => q.Properties.QueueName === "smalltown-roads")!;
      expect(main.Properties).toMatchObject({
        VisibilityTimeout: 120,
        RedrivePolicy: { maxReceiveCount: 3 },
      });
      s.templates.data.resourceCountIs("AWS::IAM::Role", 2);
      s.templates.data.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
        TableName: "smalltown-tickets",
      });
      expect(JSON.stringify(s.templates.data.toJSON())).toContain(":iam::444455556666:root");

      // China: CloudFront there has no origin access control; an origin access identity keeps the bucket private.
      s.templates.web.resourceCountIs("AWS::CloudFront::OriginAccessControl", 0);
      s.templates.web.resourceCountIs("AWS::CloudFront::CloudFrontOriginAccessIdentity", 1);
      // …and serves only on an ICP-registered domain with an IAM server certificate (no ACM for CloudFront there).
      s.templates.web.hasResourceProperties("AWS::CloudFront::Distribution", {
        DistributionConfig: Match.objectLike({
          Aliases: ["form.example.gov.cn"],
          ViewerCertificate: {
            IamCertificateId: "ASCAEXAMPLECERTIFICATE",
            SslSupportMethod: "sni-only",
            MinimumProtocolVersion: "TLSv1.2_2021",
          },
        }),
      });
      expect(s.templates.web.toJSON().Outputs.WebUrl.Value).toBe("https://form.example.gov.cn/");
      // China: the aws-cn partition and the .com.cn domain, never a hard-coded aws partition.
      for (const t of Object.values(s.templates))
        expect(JSON.stringify(t.toJSON())).not.toContain("arn:aws:");
      const fn = Object.values(resourcesOf(s.templates.service, "AWS::Lambda::Function"))[0]!;
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.QUEUE_PREFIX).toBe("smalltown");
      expect(s.service.resolve(env.QUEUE_URL_BASE)).toEqual({
        "Fn::Join": ["", ["https://sqs.cn-north-1.", { Ref: "AWS::URLSuffix" }, "/111122223333/"]],
      });
      const policies = JSON.stringify(resourcesOf(s.templates.service, "AWS::IAM::Policy"));
      // The partition is left to CloudFormation (aws-cn in China regions).
      expect(policies).toContain('{"Ref":"AWS::Partition"},":sqs:cn-north-1:111122223333:smalltown-roads"');
      expect(policies).toContain('":dynamodb:cn-north-1:111122223333:table/smalltown-tickets"');
    } finally {
      s.cleanup();
    }
  });
});

describe("the functions see the same configuration as the stacks", () => {
  it("a custom configuration is injected into each bundle and wins over the bundled city.json", async () => {
    const path = configFile("small-inject.json", SMALL);
    const s = synthIntakeApp({ context: { config: path } });
    const inject = configInjectFile(s.settings);
    s.cleanup();
    // The configuration as synth validated it: the function reads it without validating it again.
    expect(readFileSync(inject, "utf8")).toContain('globalThis[Symbol.for("intake.cityConfig")] ??=');

    // Bundle the health function the way the construct does, then ask it which city it serves.
    const out = join(dir, "bundle");
    await build(esbuildBuildOptions(join(REPO_ROOT, "functions/health.ts"), out, [inject!]));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const script = `const { handler } = await import(${JSON.stringify(join(out, "index.mjs"))});
      const res = await handler({ rawPath: "/health", headers: {}, requestContext: { http: { method: "GET" } } }, {});
      console.log(res.body);`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        PATH: process.env.PATH,
        TABLE_NAME: "t",
        QUEUE_URL_BASE: "https://sqs.example/0/",
        QUEUE_PREFIX: "p",
        AWS_REGION: "cn-north-1",
      },
    });
    // No AWS credentials here: the city is right, and health says its store and queue cannot be reached.
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({
      status: "degraded",
      city: "small-town",
      store: "down",
      queue: "down",
    });
  }, 30_000);

  it("the default configuration is injected too, validated (so no function validates it at a cold start)", () => {
    const s = synthIntakeApp();
    try {
      const inject = readFileSync(configInjectFile(s.settings), "utf8");
      expect(s.settings.config.city.id).toBe(cityJson.city.id);
      expect(inject).toContain(JSON.stringify(JSON.stringify(s.settings.config)));
    } finally {
      s.cleanup();
    }
  });
});

describe("a trained classifier model", () => {
  it("must be a file under the repository root", () => {
    const missing = { ...SMALL, classifier: { modelPath: "models/nope.json" } };
    expect(() => synthIntakeApp({ context: { config: configFile("m1.json", missing) } })).toThrowError(
      /classifier\.modelPath: model file not found: models\/nope\.json/,
    );
    const outside = { ...SMALL, classifier: { modelPath: "/etc/hostname" } };
    expect(() => synthIntakeApp({ context: { config: configFile("m2.json", outside) } })).toThrowError(
      /classifier\.modelPath: must be a path relative to the repository root/,
    );
  });

  it("is copied into the bundle of every function that files (and so classifies) tickets, at the same relative path", async () => {
    const modelPath = "infra/web-placeholder/index.html"; // any file of the repo stands in for a model here
    const withModel = { ...SMALL, classifier: { modelPath } };
    // Synthesized in a child process (test/infra/synth-bundled.ts): the bundling would block this worker.
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "test/infra/synth-bundled.ts"), configFile("m3.json", withModel)],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
    const s = JSON.parse(stdout.trim().split("\n").at(-1)!) as { outdir: string; functions: number };
    try {
      const assets = readdirSync(s.outdir).filter((d) => d.startsWith("asset."));
      const bundles = assets.filter((d) => existsSync(join(s.outdir, d, "index.mjs")));
      expect(s.functions).toBeGreaterThan(30);
      expect(bundles).toHaveLength(s.functions);
      const withFile = bundles.filter((b) => existsSync(join(s.outdir, b, modelPath)));
      const intake = Object.values(FUNCTION_ACCESS).filter((a) => a.intake).length;
      expect(intake).toBe(6);
      expect(withFile).toHaveLength(intake);
      for (const b of withFile)
        expect(readFileSync(join(s.outdir, b, modelPath), "utf8")).toBe(
          readFileSync(join(REPO_ROOT, modelPath), "utf8"),
        );
    } finally {
      rmSync(s.outdir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("cdk-nag is wired into synthesis", () => {
  it("an unacknowledged finding fails synth with the AwsSolutions rule id", () => {
    expect(() =>
      synthIntakeApp({
        before: ({ data }) => {
          new sqs.Queue(data, "Careless", { encryption: sqs.QueueEncryption.UNENCRYPTED });
        },
      }),
    ).toThrowError(/AwsSolutions-SQS[234]/);
  });
});
