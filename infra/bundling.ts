import type { BuildOptions } from "esbuild";

/**
 * The esbuild options every function is bundled with. The house construct (constructs/intake-function.ts) and
 * the bundle benchmark (bench/bundles.ts) both read this module, so what is measured is what is deployed.
 */

/** Node.js 22 on Lambda: ESM output (`index.mjs`), AWS SDK v3 left to the runtime. */
export const BUNDLE = {
  target: "node22",
  platform: "node",
  format: "esm",
  /** NodejsFunction names ESM output `index.mjs`. */
  outExtension: ".mjs",
  minify: true,
  /** A separate `.map` file; NODE_OPTIONS=--enable-source-maps makes stack traces point at the sources. */
  sourcemap: true,
  sourcesContent: false,
  /** Keep 中文 messages as UTF-8 instead of \uXXXX escapes (about half the bytes). */
  charset: "utf8",
  mainFields: ["module", "main"],
  /** Provided by the Lambda Node.js runtime (unless `bundleSdk`, see {@link externalModules}). */
  external: ["@aws-sdk/*"],
  /** CommonJS dependencies bundled into ESM may call require(); give them one. */
  banner:
    'import { createRequire as __intakeCreateRequire } from "node:module"; const require = __intakeCreateRequire(import.meta.url);',
} as const;

/**
 * NODE_OPTIONS every function gets. Empty: `--enable-source-maps` makes Node read the whole map at start-up,
 * which cost the bundled functions the 80 ms cold-start target (npm run bench measures both). Errors are logged
 * by name and message, never by stack; the `.map` files still ship in each asset for decoding a stack offline.
 */
export const RUNTIME_NODE_OPTIONS = "";
/** What a deployment may set instead (measured side by side in the bundle bench). */
export const SOURCE_MAP_NODE_OPTIONS = "--enable-source-maps";

/** Extra esbuild CLI flags that NodejsFunction has no property for (its `charset` is not passed on). */
export const EXTRA_ESBUILD_ARGS: Record<string, string> = { "--charset": BUNDLE.charset };

/**
 * Modules left out of a bundle. By default none: the AWS SDK v3 is bundled and tree-shaken (~520 KB bundles,
 * under the 1 MB target), because importing the runtime's copy from its node_modules dominated a cold start
 * (2.5–3.5× longer, measured by `npm run bench`); the SDK version is then the one package-lock.json pins. With
 * context `bundleSdk=false` the runtime's SDK is used instead: ~150 KB bundles, slower starts.
 */
export function externalModules(bundleSdk = true): string[] {
  return bundleSdk ? [] : [...BUNDLE.external];
}

/** The same options for esbuild's JS API (bench/bundles.ts, tests), writing `outfile`. */
export function esbuildBuildOptions(
  entry: string,
  outfile: string,
  inject: string[] = [],
  opts: { bundleSdk?: boolean } = {},
): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    target: BUNDLE.target,
    platform: BUNDLE.platform,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourcemap,
    sourcesContent: BUNDLE.sourcesContent,
    charset: BUNDLE.charset,
    mainFields: [...BUNDLE.mainFields],
    external: externalModules(opts.bundleSdk),
    banner: { js: BUNDLE.banner },
    inject,
    logLevel: "warning",
  };
}
