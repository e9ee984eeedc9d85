// Trains the category-suggestion model: npm run train -- --data <file.jsonl|file.csv> [--out model-file]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DataError } from "../shared/classify/dataset.js";
import { readLabelledFile } from "../shared/classify/files.js";
import { serializeModel } from "../shared/classify/model.js";
import { trainModel } from "../shared/classify/trainer.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_MODEL_PATH = resolve(REPO_ROOT, ".data/category-model.json");

const USAGE = `usage: npm run train -- --data <file.jsonl|file.csv> [--out <model file>] [--seed <n>]

  --data  labelled messages: JSON Lines with "text" and "label" fields, or CSV whose header has
          "text" and "label" columns (text may be raw or already cut into words separated by spaces)
  --out   where to write the model (default: .data/category-model.json)
  --seed  seed of the shuffles and of the calibration split (default 20200601)`;

class UsageError extends Error {}

function main(argv: string[]): number {
  let values: { data?: string; out?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: "string" },
        out: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.data) throw new UsageError("missing --data <file.jsonl|file.csv>");
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError("--seed must be an integer");
  const out = resolve(values.out ?? DEFAULT_MODEL_PATH);

  const all = readLabelledFile(values.data);
  const rows = all.filter((r) => r.text.trim() !== "");
  const skipped = all.length - rows.length;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  if (counts.size < 2) {
    throw new DataError(
      `need at least 2 distinct labels to train, found ${counts.size}${counts.size === 1 ? ` (${[...counts.keys()][0]})` : ""} in ${rows.length} rows`,
    );
  }
  console.log(
    `read ${all.length} rows from ${values.data}${skipped ? ` (${skipped} with empty text skipped)` : ""}`,
  );
  for (const [label, n] of [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    console.log(`  ${String(n).padStart(7)}  ${label}`);
  }
  const start = performance.now();
  const model = trainModel(rows, seed === undefined ? {} : { seed });
  const seconds = (performance.now() - start) / 1000;
  const text = serializeModel(model);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(
    `trained in ${seconds.toFixed(1)} s: ${model.labels.length} labels, ${model.vocab.length} features, ` +
      `temperature ${model.temperature}`,
  );
  console.log(`wrote ${out} (${Buffer.byteLength(text)} bytes)`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof DataError) {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
