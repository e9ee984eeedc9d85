import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { buildIntakeApp, type IntakeApp } from "../../infra/intake-app.js";
import { CDK_JSON_PATH } from "../../infra/paths.js";

/** The context block of cdk.json (feature flags), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(CDK_JSON_PATH, "utf8")) as { context: Record<string, unknown> }).context;
}

export interface Synthesized extends IntakeApp {
  readonly app: App;
  readonly outdir: string;
  readonly templates: { data: Template; web: Template; service: Template };
  /** validation-report.json of the cloud assembly (cdk-nag findings that were not acknowledged). */
  readonly report: {
    pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
  };
  cleanup(): void;
}

export interface SynthOptions {
  /** Context on top of cdk.json's (e.g. { config: "path", prefix: "x" }). */
  context?: Record<string, unknown>;
  /** Run esbuild for every function (slow and synchronous: from a test, run it in a child process with
   *  test/infra/synth-bundled.ts, or it blocks the vitest worker). Default false. */
  bundling?: boolean;
  /** CDK's built-in CloudFormation schema validation (about 8 s for the three stacks). Default false. */
  cfnValidation?: boolean;
  /** Runs before synthesis, to add resources (e.g. a deliberately non-compliant one). */
  before?: (app: IntakeApp) => void;
}

/** Builds and synthesizes the whole app into a temporary directory, as `cdk synth` would. */
export function synthIntakeApp(opts: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "intake-cdk-test-"));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: opts.cfnValidation ?? false,
    context: {
      ...cdkJsonContext(),
      ...(opts.bundling ? {} : { "aws:cdk:bundling-stacks": [] }),
      ...opts.context,
    },
  });
  try {
    const built = buildIntakeApp(app);
    opts.before?.(built);
    app.synth();
    return {
      ...built,
      app,
      outdir,
      templates: {
        data: Template.fromStack(built.data),
        web: Template.fromStack(built.web),
        service: Template.fromStack(built.service),
      },
      report: JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8")),
      cleanup: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(outdir, { recursive: true, force: true });
    throw err;
  }
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }>;

/** Resources of one type, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}
