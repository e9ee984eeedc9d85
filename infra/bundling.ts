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

/** Environment every function gets besides its own settings. */
export const RUNTIME_NODE_OPTIONS = "--enable-source-maps";

/** Extra esbuild CLI flags that NodejsFunction has no property for (its `charset` is not passed on). */
export const EXTRA_ESBUILD_ARGS: Record<string, string> = { "--charset": BUNDLE.charset };

/**
 * Modules left out of a bundle. By default the AWS SDK v3, which the Lambda runtime provides: small bundles
 * (< 300 KB), but its import from the runtime's node_modules dominates a cold start. With `bundleSdk` (context
 * `bundleSdk=true`) the SDK is bundled and tree-shaken: ~500 KB bundles whose import is about half as long
 * (measured by `npm run bench`), and an SDK version pinned by package-lock.json instead of the runtime's.
 */
export function externalModules(bundleSdk = false): string[] {
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
