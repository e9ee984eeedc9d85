import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

/** `npx cdk synth` exactly as the README says, with no AWS credentials and no network but the loopback. */
describe("cdk synth from the command line", () => {
  const out = mkdtempSync(join(tmpdir(), "intake-cdk-out-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("synthesizes all three stacks offline, without credentials, bundling every function", {
    timeout: 300_000,
  }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true" };
    for (const k of Object.keys(env))
      if (k.startsWith("AWS_") && k !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED") delete env[k];
    const { stdout, stderr } = await run("npx", ["cdk", "synth", "--quiet", "--no-notices", "-o", out], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(`${stdout}${stderr}`).toContain("Successfully synthesized");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === "aws:cloudformation:stack")
      .map(([name]) => name)
      .sort();
    expect(stacks).toEqual(["intake-app", "intake-data", "intake-web"]);
    const app = JSON.parse(readFileSync(join(out, "intake-app.template.json"), "utf8"));
    const functions = Object.values(app.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === "AWS::Lambda::Function",
    );
    expect(functions.length).toBeGreaterThanOrEqual(7);

    // Every function is bundled by the local esbuild (no Docker): ESM index.mjs and chunks + source maps, with
    // the AWS SDK inside (the default; faster cold starts, measured in npm run bench): nothing is imported from @aws-sdk.
    for (const f of functions as unknown as { Properties: { Code: { S3Key: string } } }[]) {
      const dir = join(out, `asset.${f.Properties.Code.S3Key.replace(/\.zip$/, "")}`);
      expect(existsSync(join(dir, "index.mjs")), dir).toBe(true);
      // The entry, the chunks it loads on first use (code splitting), a source map beside each.
      const files = readdirSync(dir).sort();
      expect(files).toContain("index.mjs");
      for (const file of files) expect(file).toMatch(/^(index|chunk-[A-Z0-9]+)\.mjs(\.map)?$/);
      const total = files
        .filter((file) => file.endsWith(".mjs"))
        .reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
      const code = readFileSync(join(dir, "index.mjs"), "utf8");
      expect(code.startsWith('import { createRequire as __intakeCreateRequire } from "node:module";')).toBe(
        true,
      );
      for (const file of files.filter((name) => name.endsWith(".mjs")))
        expect(readFileSync(join(dir, file), "utf8")).not.toMatch(/from"@aws-sdk\//);
      // The SDK's credential chain is Lambda's (infra/shims/credential-provider-lambda.mjs): no SSO, no profiles.
      expect(files.map((file) => readFileSync(join(dir, file), "utf8")).join("")).not.toContain(
        "sso_start_url",
      );
      expect(total).toBeLessThan(1024 * 1024);
    }
  });
});
