import { join } from "node:path";
import type { BuildOptions, Metafile } from "esbuild";
import { REPO_ROOT } from "./paths.js";

/**
 * The esbuild options every function is bundled with. The house construct (constructs/intake-function.ts) and
 * the bundle benchmark (bench/bundles.ts) both read this module, so what is measured is what is deployed.
 */

/**
 * Node.js 22 on Lambda: ESM output, the entry as `index.mjs` and code that only some paths need (the S3 client
 * and presigner, SNS, Secrets Manager, the SDK's credential providers…) in chunks beside it that Node reads on
 * their first `import()`, not at start-up (esbuild code splitting). Parsing and compiling one 900 KB file was
 * the largest single part of a cold start (docs/deploy.md).
 */
export const BUNDLE = {
  target: "node22",
  platform: "node",
  format: "esm",
  /** Lambda's handler is `index.handler`: the entry is `index.mjs`, its chunks `chunk-<hash>.mjs`. */
  outExtension: ".mjs",
  entryName: "index",
  chunkNames: "chunk-[hash]",
  splitting: true,
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

/**
 * Modules the bundles replace. The SDK's default credential chain becomes Lambda's own (environment, else the
 * container endpoint): SSO, profiles, web identity, IMDS and their STS/SSO clients are ~100 KB no function
 * ever runs (infra/shims/credential-provider-lambda.mjs).
 */
export const BUNDLE_ALIASES: Record<string, string> = {
  "@aws-sdk/credential-provider-node": join(REPO_ROOT, "infra/shims/credential-provider-lambda.mjs"),
};

/**
 * Modules left out of a bundle. By default none: the AWS SDK v3 is bundled and tree-shaken (~520 KB bundles,
 * under the 1 MB target), because importing the runtime's copy from its node_modules dominated a cold start
 * (2.5–3.5× longer, measured by `npm run bench`); the SDK version is then the one package-lock.json pins. With
 * context `bundleSdk=false` the runtime's SDK is used instead: ~150 KB bundles, slower starts.
 */
export function externalModules(bundleSdk = true): string[] {
  return bundleSdk ? [] : [...BUNDLE.external];
}

/**
 * The esbuild options of a function's bundle, writing `outdir/index.mjs` and its chunks. The construct
 * (constructs/intake-function.ts) runs them at synth; the bench (bench/bundles.ts) and tests run them too.
 */
export function esbuildBuildOptions(
  entry: string,
  outdir: string,
  inject: string[] = [],
  opts: { bundleSdk?: boolean } = {},
): BuildOptions {
  return {
    entryPoints: { [BUNDLE.entryName]: entry },
    outdir,
    outExtension: { ".js": BUNDLE.outExtension },
    chunkNames: BUNDLE.chunkNames,
    splitting: BUNDLE.splitting,
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
    // With the runtime's SDK (bundleSdk false) the SDK and its credential chain are the runtime's.
    ...(opts.bundleSdk === false ? {} : { alias: BUNDLE_ALIASES }),
    banner: { js: BUNDLE.banner },
    inject,
    // With the validated configuration injected (infra/config-inject.ts), the repository's copy is dead code.
    ...(inject.length ? { define: { "process.env.INTAKE_CONFIG_INJECTED": '"true"' } } : {}),
    logLevel: "warning",
  };
}

/**
 * The outputs of a bundle that Node loads at start-up: the entry (`index.mjs`) and every chunk it imports
 * statically, transitively (chunks reached only through `import()` load on first use).
 */
export function startupOutputs(meta: Metafile): string[] {
  const outputs = meta.outputs;
  const seen = new Set<string>();
  const todo = Object.keys(outputs).filter((k) => k.endsWith(`/index${BUNDLE.outExtension}`));
  while (todo.length) {
    const k = todo.pop()!;
    if (seen.has(k) || !outputs[k]) continue;
    seen.add(k);
    for (const i of outputs[k].imports) if (i.kind === "import-statement" && !i.external) todo.push(i.path);
  }
  return [...seen];
}
