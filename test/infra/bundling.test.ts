import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HTTP_ROUTES,
  QUEUE_CONSUMERS,
  SCHEDULED_FUNCTIONS,
  STREAM_FUNCTIONS,
} from "../../functions/routes.js";
import { BUNDLE, esbuildBuildOptions, startupOutputs } from "../../infra/bundling.js";
import { validatedConfigModule } from "../../infra/config-inject.js";
import { FUNCTION_ACCESS } from "../../infra/function-access.js";
import { DEFAULT_CONFIG_PATH, REPO_ROOT } from "../../infra/paths.js";
import { loadConfigFile } from "../../infra/settings.js";

const run = promisify(execFile);

let dir: string;
let inject: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "intake-bundling-"));
  inject = [validatedConfigModule(loadConfigFile(DEFAULT_CONFIG_PATH).config, "shared/config/city.json")];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `entry` as the construct does; returns the source files (repo-relative) Node evaluates at start-up. */
async function startupInputs(entry: string, name: string): Promise<Map<string, number>> {
  const outdir = join(dir, name);
  const { metafile } = await build({ ...esbuildBuildOptions(entry, outdir, inject), metafile: true });
  const outputs: Metafile["outputs"] = metafile.outputs;
  const inputs = new Map<string, number>();
  for (const k of startupOutputs(metafile))
    for (const [path, { bytesInOutput }] of Object.entries(outputs[k]!.inputs))
      inputs.set(path, (inputs.get(path) ?? 0) + bytesInOutput);
  return inputs;
}

describe("what a function evaluates at start-up (docs/deploy.md, What a cold start costs)", () => {
  it("no zod classic and no city-configuration schema; a schema the function never uses is left out", async () => {
    for (const name of ["tickets-get", "tickets-create"]) {
      const inputs = await startupInputs(join(REPO_ROOT, `functions/${name}.ts`), name);
      const paths = [...inputs.keys()];
      expect(paths.some((p) => p.includes("shared/domain/ticket.ts"))).toBe(true);
      expect(paths.filter((p) => p.includes("node_modules/zod/v4/classic/"))).toEqual([]);
      expect(paths.filter((p) => p.endsWith("shared/config/schema.ts"))).toEqual([]);
    }
    // tickets-get parses no ticket input: the ticket schemas (Ticket is only ever a type) are not in it at all.
    const get = await startupInputs(join(REPO_ROOT, "functions/tickets-get.ts"), "tickets-get-again");
    const create = await startupInputs(
      join(REPO_ROOT, "functions/tickets-create.ts"),
      "tickets-create-again",
    );
    const bytes = (m: Map<string, number>) =>
      [...m].filter(([p]) => p.endsWith("shared/domain/ticket.ts")).reduce((n, [, b]) => n + b, 0);
    expect(bytes(get)).toBeLessThan(bytes(create));
  }, 60_000);

  it("a deployed bundle holds no configuration validator at all, and refuses CITY_CONFIG_JSON with the reason", async () => {
    const outdir = join(dir, "health-config");
    const { metafile } = await build({
      ...esbuildBuildOptions(join(REPO_ROOT, "functions/health.ts"), outdir, inject),
      metafile: true,
    });
    // Not even as a chunk loaded on demand: esbuild would put the parts of zod's core that zod classic uses into
    // the start-up chunks the two share (docs/deploy.md, What a cold start costs).
    const everything = Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(everything.filter((p) => p.includes("node_modules/zod/v4/classic/"))).toEqual([]);
    expect(everything.filter((p) => /shared\/config\/(schema|load)\.ts$/.test(p))).toEqual([]);
    const start = (env: Record<string, string>) =>
      run(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `await import(${JSON.stringify(join(outdir, `index${BUNDLE.outExtension}`))});
           const { core } = await globalThis[Symbol.for("intake.fromEnvironment")]();
           console.log(JSON.stringify(core.config.city.id));`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            TABLE_NAME: "t",
            QUEUE_URL_BASE: "https://sqs.example/",
            QUEUE_PREFIX: "p",
            ...env,
          },
        },
      );
    const { stdout } = await start({});
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toBe(
      loadConfigFile(DEFAULT_CONFIG_PATH).config.city.id,
    );
    await expect(start({ CITY_CONFIG_JSON: "{}" })).rejects.toThrow(
      /CITY_CONFIG_JSON is not read by a deployed function/,
    );
  }, 60_000);

  it("exactly the functions that can file a ticket are declared `intake` (their runtime builds the area index and the category suggester at start-up)", async () => {
    const functions = [...HTTP_ROUTES, ...SCHEDULED_FUNCTIONS, ...STREAM_FUNCTIONS, ...QUEUE_CONSUMERS];
    // One build of every entry, unminified so that names survive tree-shaking: a bundle in which createTicket
    // survived can file a ticket.
    const { outputFiles } = await build({
      ...esbuildBuildOptions(join(REPO_ROOT, "functions/health.ts"), join(dir, "intake-check"), inject),
      entryPoints: Object.fromEntries(functions.map((f) => [f.name, join(REPO_ROOT, f.entry)])),
      splitting: false,
      minify: false,
      sourcemap: false,
      write: false,
    });
    const files = new Set(
      functions
        .filter((f) =>
          outputFiles
            .find((o) => o.path.endsWith(`/${f.name}${BUNDLE.outExtension}`))!
            .text.includes("async function createTicket("),
        )
        .map((f) => f.name),
    );
    expect(files.size).toBeGreaterThan(0);
    const declared = functions.filter((f) => FUNCTION_ACCESS[f.name].intake).map((f) => f.name);
    expect(declared.sort()).toEqual([...files].sort());
  }, 120_000);

  it("zod/mini alone (no zod classic in the process) gives the API the same English reasons", async () => {
    // A bundle of the domain schema and the error mapping only, run in a fresh node: nothing loads zod classic,
    // whose first schema would otherwise set the English locale for everyone.
    const entry = join(dir, "reasons.ts");
    writeFileSync(
      entry,
      `import { CreateTicketInput } from ${JSON.stringify(join(REPO_ROOT, "shared/domain/ticket.ts"))};
       import { fromZodIssues } from ${JSON.stringify(join(REPO_ROOT, "shared/domain/errors.ts"))};
       const input = { title: "x".repeat(201), description: "路灯不亮", location: { address: "人民路 1 号" }, reporter: { anonymous: true } };
       const r = CreateTicketInput.safeParse(input);
       const lat = CreateTicketInput.safeParse({ ...input, title: "路灯", location: { address: "人民路 1 号", lat: "north" } });
       console.log(JSON.stringify([r.success ? null : fromZodIssues(r.error.issues).message, lat.success ? null : fromZodIssues(lat.error.issues).message]));`,
    );
    await build({ ...esbuildBuildOptions(entry, join(dir, "reasons"), inject) });
    const { stdout } = await run(process.execPath, [join(dir, "reasons", `index${BUNDLE.outExtension}`)], {
      env: { PATH: process.env.PATH },
    });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual([
      "字段 title 无效：Too big: expected string to have <=200 characters / field title is invalid: Too big: expected string to have <=200 characters",
      "字段 location.lat 无效：Invalid input: expected number, received string / field location.lat is invalid: Invalid input: expected number, received string",
    ]);
  }, 30_000);
});
