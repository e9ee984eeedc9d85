// Trains the category-suggestion model:
//   npm run train -- --data <file.jsonl|file.csv> [--seed-data F] [--out model-file]
//   npm run train -- --from-table [--data F] [--seed-data F] [--out model-file]   (learn from closed tickets)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isHeldBack, readCorrections, type TicketExample } from "../shared/classify/corrections.js";
import { DataError } from "../shared/classify/dataset.js";
import { evaluateClassifier } from "../shared/classify/evaluate.js";
import { loadModelFile, readLabelledFile } from "../shared/classify/files.js";
import { loadModel, serializeModel } from "../shared/classify/model.js";
import { cityTrainOptions, inResidentsVoice } from "../shared/classify/recipe.js";
import { trainModel } from "../shared/classify/trainer.js";
import type { TrainingRow } from "../shared/classify/types.js";
import { parseCityConfig } from "../shared/config/load.js";
import { modelLabelOf, modelLexicon } from "../shared/services/classifier-setup.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_MODEL_PATH = resolve(REPO_ROOT, ".data/category-model.json");
const DATA_DIR = resolve(process.env.DATA_DIR ?? ".data");
const CITY_CONFIG = process.env.CITY_CONFIG;

const USAGE = `usage: npm run train -- [--data <file>]... [--seed-data <file>]... [--from-table]
                       [--out <model file>] [--city <city.json>] [--seed <n>] [--force]

  --data        labelled messages: JSON Lines with "text" and "label" fields, or CSV whose header has
                "text" and "label" columns (text may be raw or already cut into words separated by spaces)
  --seed-data   labelled messages in the residents' own voice; each counts 5 times (may repeat)
  --from-table  add the table's closed tickets: categories a dispatcher set count 5 times, categories a
                closure confirmed 2 times; about 20 % of them (by ticket id) are held back to score the new
                model against the old one, which is replaced only when the new one is not worse.
                The table: TABLE_NAME (+ AWS_REGION, DYNAMODB_ENDPOINT), else the local system's
                .data/local-stack.json (npm start).
  --out         where to write the model (default: the city's classifier.modelPath, else
                .data/category-model.json)
  --city        city configuration (default: CITY_CONFIG, else shared/config/city.json): its keyword
                lexicon becomes features, its classifier.labels map ticket categories to labels
  --seed        seed of the shuffles and of the calibration split (default 20200601)
  --force       with --from-table: write the new model even if it scores worse or nothing is held back`;

class UsageError extends Error {}

// The AWS SDK is loaded only with --from-table: training from files does not pay for it.
async function tableStore() {
  let settings: { region: string; tableName: string; dynamoEndpoint?: string };
  if (process.env.TABLE_NAME) {
    settings = {
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
      tableName: process.env.TABLE_NAME,
      ...(process.env.DYNAMODB_ENDPOINT ? { dynamoEndpoint: process.env.DYNAMODB_ENDPOINT } : {}),
    };
  } else {
    const file = resolve(DATA_DIR, "local-stack.json");
    if (!existsSync(file)) {
      throw new DataError(
        "--from-table: no TABLE_NAME set and no local system found (start it with npm start)",
      );
    }
    settings = JSON.parse(readFileSync(file, "utf8"));
  }
  const { createClients } = await import("../shared/adapters/aws.js");
  const { DynamoTicketStore } = await import("../shared/adapters/dynamo-store.js");
  // Only the table is used; the queue settings are not.
  const clients = createClients({ ...settings, queueUrlBase: "", queuePrefix: "" });
  return new DynamoTicketStore(clients.doc, settings.tableName);
}

function countByLabel(rows: readonly TrainingRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  return counts;
}

async function main(argv: string[]): Promise<number> {
  let values: {
    data?: string[];
    "seed-data"?: string[];
    "from-table"?: boolean;
    out?: string;
    city?: string;
    seed?: string;
    force?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: "string", multiple: true },
        "seed-data": { type: "string", multiple: true },
        "from-table": { type: "boolean" },
        out: { type: "string" },
        city: { type: "string" },
        seed: { type: "string" },
        force: { type: "boolean" },
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
  const dataFiles = values.data ?? [];
  const seedFiles = values["seed-data"] ?? [];
  const fromTable = values["from-table"] ?? false;
  if (dataFiles.length === 0 && seedFiles.length === 0 && !fromTable) {
    throw new UsageError("missing --data <file.jsonl|file.csv> (or --seed-data, or --from-table)");
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError("--seed must be an integer");
  const cityFile = resolve(values.city ?? CITY_CONFIG ?? resolve(REPO_ROOT, "shared/config/city.json"));
  let cityJson: unknown;
  try {
    cityJson = JSON.parse(readFileSync(cityFile, "utf8"));
  } catch (err) {
    throw new DataError(`cannot read city configuration ${cityFile}: ${(err as Error).message}`);
  }
  const config = parseCityConfig(cityJson, cityFile);
  const out = resolve(values.out ?? config.classifier.modelPath ?? DEFAULT_MODEL_PATH);

  const rows: TrainingRow[] = [];
  let skipped = 0;
  for (const [files, voice] of [
    [dataFiles, false],
    [seedFiles, true],
  ] as const) {
    for (const file of files) {
      const all = readLabelledFile(file);
      const kept = all.filter((r) => r.text.trim() !== "");
      skipped += all.length - kept.length;
      rows.push(...(voice ? inResidentsVoice(kept) : kept));
      console.log(
        `read ${all.length} rows from ${file}${voice ? " (residents' voice, ×5)" : ""}` +
          `${all.length - kept.length ? ` (${all.length - kept.length} with empty text skipped)` : ""}`,
      );
    }
  }
  let heldBack: TicketExample[] = [];
  if (fromTable) {
    const { examples, summary } = await readCorrections(await tableStore(), modelLabelOf(config));
    heldBack = examples.filter((e) => isHeldBack(e.ticketId));
    const used = examples.filter((e) => !isHeldBack(e.ticketId));
    rows.push(...used.map(({ text, label, weight }) => ({ text, label, ...(weight ? { weight } : {}) })));
    console.log(
      `read ${summary.read} closed tickets from the table: ${summary.dispatcher} categorised by a dispatcher, ` +
        `${summary.confirmed} confirmed by closure, ${summary.skipped} skipped (no category, unmapped or empty); ` +
        `${used.length} used for training, ${heldBack.length} held back`,
    );
  }
  const counts = countByLabel(rows);
  if (counts.size < 2) {
    throw new DataError(
      `need at least 2 distinct labels to train, found ${counts.size}${counts.size === 1 ? ` (${[...counts.keys()][0]})` : ""} in ${rows.length} rows`,
    );
  }
  if (skipped) console.log(`${skipped} rows with empty text skipped`);
  for (const [label, n] of [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    console.log(`  ${String(n).padStart(7)}  ${label}`);
  }
  const start = performance.now();
  const model = trainModel(rows, cityTrainOptions(modelLexicon(config), seed));
  const seconds = (performance.now() - start) / 1000;
  const text = serializeModel(model);
  console.log(
    `trained in ${seconds.toFixed(1)} s: ${model.labels.length} labels, ${model.vocab.length} features, ` +
      `temperature ${model.temperature}` +
      (model.companion
        ? `; companion on the residents'-voice rows: ${model.companion.vocab.length} features, ` +
          `temperature ${model.companion.temperature}, weight ${model.companionWeight}`
        : ""),
  );

  if (fromTable) {
    const force = values.force ?? false;
    const old = existsSync(out) ? loadModelFile(out) : null;
    if (heldBack.length === 0) {
      console.log("held-back slice is empty: nothing to compare on");
      if (old && !force) {
        console.log(`kept the old model ${out} (use --force to replace it anyway)`);
        return 0;
      }
    } else {
      const fresh = evaluateClassifier(loadModel(text), heldBack, { warmup: 0 });
      console.log(
        `new model on the held-back slice (${heldBack.length} tickets): accuracy ${fresh.accuracy.toFixed(3)}, ` +
          `macro-F1 ${fresh.macroF1.toFixed(3)}`,
      );
      if (old) {
        const before = evaluateClassifier(old, heldBack, { warmup: 0 });
        console.log(
          `old model ${out}: accuracy ${before.accuracy.toFixed(3)}, macro-F1 ${before.macroF1.toFixed(3)}`,
        );
        // Accuracy decides (a small slice may lack whole classes, which makes macro-F1 jumpy).
        if (fresh.accuracy < before.accuracy && !force) {
          console.log(`kept the old model: the new one is worse on the held-back slice`);
          return 0;
        }
      }
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`wrote ${out} (${Buffer.byteLength(text)} bytes)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof DataError || (err instanceof Error && err.name === "ConfigError")) {
      console.error(`error: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  },
);
