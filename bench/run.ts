/**
 * `npm run bench`: every benchmark of the project in one run. Targets are printed as PASS/MISS; a miss does not
 * fail the run (benchmarks measure, tests assert behaviour).
 *   1. intake     ticket creation and the department loop on the embedded stand-ins (first, so that the
 *                 process's memory is the API's, not the classifier training's)
 *   2. bundles    each Lambda bundle's size and module initialisation time (SDK external, then bundled)
 *   3. routing    category suggestion on ../shared/data/teddy2020c (skipped when the data is absent)
 */
import { SOURCE_MAP_NODE_OPTIONS } from "../infra/bundling.js";
import { runBundleBench } from "./bundles.js";
import { printIntake, runIntakeBench } from "./intake.js";
import { formatRoutingReport, runRoutingBench } from "./routing.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main() {
  const only = new Set(process.argv.slice(2));
  const want = (name: string) => only.size === 0 || only.has(name);
  if (want("intake")) {
    console.log("\n== intake: embedded stand-ins ==");
    printIntake(await runIntakeBench());
  }
  if (want("bundles")) {
    console.log("\n== bundles: Lambda bundle size and initialisation (the default: AWS SDK bundled) ==");
    await runBundleBench();
    console.log("\n-- the same with NODE_OPTIONS=--enable-source-maps --");
    await runBundleBench({ nodeOptions: SOURCE_MAP_NODE_OPTIONS });
    console.log("\n-- the runtime's AWS SDK instead (cdk context bundleSdk=false) --");
    await runBundleBench({ bundleSdk: false });
  }
  if (want("routing")) {
    console.log("\n== routing: category suggestion ==");
    const routing = await runRoutingBench({ print: false });
    for (const line of formatRoutingReport(routing)) console.log(line);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
