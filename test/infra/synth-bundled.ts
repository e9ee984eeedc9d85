/**
 * Run as a child process (`node --import tsx test/infra/synth-bundled.ts <config>`): synthesizes the app with every
 * function bundled and prints `{ outdir, functions }` as its last line, leaving the assembly for the caller to read
 * and remove. Bundling 34 functions takes tens of seconds of synchronous esbuild work; in a vitest worker it would
 * block the worker's replies to the runner (its 60 s RPC timeout, under a loaded machine), so the test awaits it here.
 */
import { synthIntakeApp } from "./synth.js";

const config = process.argv[2];
if (!config) throw new Error("usage: synth-bundled.ts <config file>");
const s = synthIntakeApp({ bundling: true, context: { config } });
console.log(JSON.stringify({ outdir: s.outdir, functions: s.service.functions.size }));
