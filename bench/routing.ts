// Routing benchmark of the category classifier:
//   npm run bench:routing -- --train F --test G
//   npm run bench:routing -- --train F --split 0.2 [--seed N] [--compare]
// Without arguments it uses ../shared/data/teddy2020c/train.jsonl (next to the repo) with a 20 % split, and
// says so and exits 0 when that file is absent.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  type Evaluation,
  evaluateClassifier,
  quantile,
  stratifiedSplit,
} from "../shared/classify/evaluate.js";
import { isPreTokenized } from "../shared/classify/features.js";
import { readLabelledFile } from "../shared/classify/files.js";
import { createModelClassifier, parseModel, serializeModel } from "../shared/classify/model.js";
import { type TrainOptions, trainModel } from "../shared/classify/trainer.js";
import type { Classifier, TrainingRow } from "../shared/classify/types.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The shared contest data, relative to the repo root. */
export const DEFAULT_ROUTING_DATA = resolve(REPO_ROOT, "../shared/data/teddy2020c/train.jsonl");
export const DEFAULT_SPLIT = 0.2;
export const DEFAULT_SPLIT_SEED = 1;

export interface RoutingBenchOptions {
  /** Training data (.jsonl or .csv); default {@link DEFAULT_ROUTING_DATA}. */
  train?: string;
  /** Separate test data; when absent, `split` of the training data is held out. */
  test?: string;
  /** Held-out fraction (stratified, identical texts kept together); default 0.2. */
  split?: number;
  /** Seed of the split; default 1. */
  seed?: number;
  /** Also train and score feature variants (characters + pre-cut words, characters + jieba words). */
  compare?: boolean;
  /** Print the report (default true for the CLI, false for callers that format the result themselves). */
  print?: boolean;
}

export interface VariantScores {
  name: string;
  accuracy: number;
  macroF1: number;
  modelBytes: number;
  trainSeconds: number;
  medianMs: number;
  note?: string;
}

export type RoutingBenchResult =
  | { status: "skipped"; reason: string }
  | {
      status: "ok";
      trainFile: string;
      testFile: string | null;
      split: number | null;
      seed: number;
      trainCount: number;
      testCount: number;
      labels: string[];
      accuracy: number;
      macroF1: number;
      evaluation: Evaluation;
      /** Messages of the test set that are raw text (not pre-cut), and the accuracy on them. */
      rawTest: { count: number; accuracy: number };
      modelBytes: number;
      features: number;
      temperature: number;
      trainSeconds: number;
      medianMs: number;
      p99Ms: number;
      variants: VariantScores[];
    };

function trainAndScore(
  train: readonly TrainingRow[],
  test: readonly TrainingRow[],
  options: TrainOptions,
): {
  evaluation: Evaluation;
  classifier: Classifier;
  bytes: number;
  seconds: number;
  features: number;
  temperature: number;
} {
  const start = performance.now();
  const trained = trainModel(train, options);
  const seconds = (performance.now() - start) / 1000;
  // Score the model as it is stored, after quantisation and a round trip through the file format.
  const text = serializeModel(trained);
  const model = parseModel(text);
  const classifier = createModelClassifier(model, { extraWords: options.extraWords });
  return {
    evaluation: evaluateClassifier(classifier, test),
    classifier,
    bytes: Buffer.byteLength(text),
    seconds,
    features: model.vocab.length,
    temperature: model.temperature,
  };
}

async function jiebaWords(): Promise<((text: string) => string[]) | string> {
  try {
    const { Jieba } = await import("@node-rs/jieba");
    const { dict } = await import("@node-rs/jieba/dict.js");
    const jieba = Jieba.withDict(dict);
    return (text) => jieba.cut(text, false);
  } catch (err) {
    return `@node-rs/jieba unavailable: ${(err as Error).message}`;
  }
}

/** Trains on the training data, scores the held-out messages and returns (and optionally prints) the numbers. */
export async function runRoutingBench(options: RoutingBenchOptions = {}): Promise<RoutingBenchResult> {
  const print = options.print ?? false;
  const log = (line = "") => {
    if (print) console.log(line);
  };
  const trainFile = options.train ?? DEFAULT_ROUTING_DATA;
  if (!existsSync(trainFile)) {
    const reason = `routing bench skipped: training data not found at ${trainFile}`;
    log(reason);
    return { status: "skipped", reason };
  }
  if (options.test && !existsSync(options.test)) {
    const reason = `routing bench skipped: test data not found at ${options.test}`;
    log(reason);
    return { status: "skipped", reason };
  }
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  const rows = readLabelledFile(trainFile).filter((r) => r.text.trim() !== "");
  let train: TrainingRow[];
  let test: TrainingRow[];
  let split: number | null = null;
  if (options.test) {
    train = rows;
    test = readLabelledFile(options.test).filter((r) => r.text.trim() !== "");
  } else {
    split = options.split ?? DEFAULT_SPLIT;
    ({ train, test } = stratifiedSplit(rows, split, seed));
  }
  log(
    `routing bench: train ${train.length} messages from ${trainFile}; ` +
      (options.test
        ? `test ${test.length} messages from ${options.test}`
        : `test ${test.length} held out (${split} stratified, seed ${seed})`),
  );

  const main = trainAndScore(train, test, {});
  const ev = main.evaluation;
  const rawRows = test.filter((r) => !isPreTokenized(r.text));
  const rawEval = evaluateClassifier(main.classifier, rawRows, { warmup: 0 });
  const variants: VariantScores[] = [];
  const variant = (name: string, scored: ReturnType<typeof trainAndScore>, note?: string): VariantScores => ({
    name,
    accuracy: scored.evaluation.accuracy,
    macroF1: scored.evaluation.macroF1,
    modelBytes: scored.bytes,
    trainSeconds: scored.seconds,
    medianMs: quantile(scored.evaluation.timesMs, 0.5),
    ...(note ? { note } : {}),
  });
  variants.push(variant("char 1-2 grams + title head (default)", main));
  if (options.compare) {
    variants.push(variant("+ pre-cut words", trainAndScore(train, test, { features: { words: true } })));
    const words = await jiebaWords();
    if (typeof words === "string") {
      variants.push({
        name: "+ jieba words",
        accuracy: 0,
        macroF1: 0,
        modelBytes: 0,
        trainSeconds: 0,
        medianMs: 0,
        note: words,
      });
    } else {
      variants.push(
        variant(
          "+ jieba words",
          trainAndScore(train, test, { extraWords: words }),
          "needs jieba at run time",
        ),
      );
    }
    variants.push(
      variant("char 1-3 grams + title head", trainAndScore(train, test, { features: { ngramMax: 3 } })),
    );
    variants.push(
      variant("char 1-2 grams, no title head", trainAndScore(train, test, { features: { head: 0 } })),
    );
    variants.push(
      variant(
        "no naive-Bayes scaling (plain SVM, C=1)",
        trainAndScore(train, test, { nbSmoothing: 0, C: 1 }),
      ),
    );
  }

  const result: RoutingBenchResult = {
    status: "ok",
    trainFile,
    testFile: options.test ?? null,
    split,
    seed,
    trainCount: train.length,
    testCount: test.length,
    labels: ev.perClass.map((c) => c.label),
    accuracy: ev.accuracy,
    macroF1: ev.macroF1,
    evaluation: ev,
    rawTest: { count: rawRows.length, accuracy: rawEval.accuracy },
    modelBytes: main.bytes,
    features: main.features,
    temperature: main.temperature,
    trainSeconds: main.seconds,
    medianMs: quantile(ev.timesMs, 0.5),
    p99Ms: quantile(ev.timesMs, 0.99),
    variants,
  };
  if (print) for (const line of formatRoutingReport(result)) log(line);
  return result;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const f3 = (x: number) => x.toFixed(3);

/** Human-readable report lines. */
export function formatRoutingReport(result: RoutingBenchResult): string[] {
  if (result.status === "skipped") return [result.reason];
  const ev = result.evaluation;
  const lines: string[] = [];
  lines.push(
    `accuracy ${f3(result.accuracy)}   macro-F1 ${f3(result.macroF1)}   (${result.testCount} messages)`,
  );
  lines.push(`raw-text test messages: ${result.rawTest.count}, accuracy ${f3(result.rawTest.accuracy)}`);
  lines.push(
    `model ${result.modelBytes} bytes (${(result.modelBytes / 1e6).toFixed(2)} MB), ${result.features} features, ` +
      `temperature ${result.temperature}; training ${result.trainSeconds.toFixed(1)} s`,
  );
  lines.push(
    `per message: median ${result.medianMs.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, ` +
      `max ${Math.max(0, ...ev.timesMs).toFixed(3)} ms (every test message, after a warm-up pass)`,
  );
  lines.push("");
  const width = Math.max(8, ...ev.perClass.map((c) => c.label.length * 2));
  const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.replace(/[^ -~]/g, "xx").length));
  lines.push(`${pad("class", width)}  support  precision  recall     F1`);
  for (const c of ev.perClass) {
    lines.push(
      `${pad(c.label, width)}  ${String(c.support).padStart(7)}  ${f3(c.precision).padStart(9)}  ` +
        `${f3(c.recall).padStart(6)}  ${f3(c.f1).padStart(5)}`,
    );
  }
  lines.push("");
  lines.push("confusion (rows: actual, columns: predicted, in the order of the rows)");
  ev.labels.forEach((label, i) => {
    lines.push(`${pad(label, width)}  ${ev.confusion[i]!.map((n) => String(n).padStart(5)).join("")}`);
  });
  lines.push("");
  lines.push("threshold  coverage  accuracy above  accuracy below (below → triage)");
  for (const t of ev.thresholds) {
    lines.push(
      `${t.value.toFixed(2).padStart(9)}  ${pct(t.coverage).padStart(8)}  ${pct(t.accuracyAbove).padStart(14)}  ` +
        `${pct(t.accuracyBelow).padStart(14)}`,
    );
  }
  if (result.variants.length > 1) {
    lines.push("");
    lines.push("feature variants (same split):");
    for (const v of result.variants) {
      lines.push(
        `  ${v.name}: ${v.note && v.macroF1 === 0 ? v.note : `accuracy ${f3(v.accuracy)}, macro-F1 ${f3(v.macroF1)}, ${(v.modelBytes / 1e6).toFixed(2)} MB, training ${v.trainSeconds.toFixed(1)} s, median ${v.medianMs.toFixed(3)} ms${v.note ? ` (${v.note})` : ""}`}`,
      );
    }
  }
  return lines;
}

const USAGE = `usage: npm run bench:routing -- [--train F] [--test G | --split 0.2] [--seed N] [--compare]`;

async function cli(argv: string[]): Promise<number> {
  let values: {
    train?: string;
    test?: string;
    split?: string;
    seed?: string;
    compare?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        train: { type: "string" },
        test: { type: "string" },
        split: { type: "string" },
        seed: { type: "string" },
        compare: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const split = values.split === undefined ? undefined : Number(values.split);
  if (split !== undefined && !(split > 0 && split < 1)) {
    console.error(`error: --split must be a fraction between 0 and 1\n${USAGE}`);
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    console.error(`error: --seed must be an integer\n${USAGE}`);
    return 2;
  }
  if (values.test && split !== undefined) {
    console.error(`error: give either --test or --split, not both\n${USAGE}`);
    return 2;
  }
  await runRoutingBench({
    ...(values.train ? { train: resolve(values.train) } : {}),
    ...(values.test ? { test: resolve(values.test) } : {}),
    ...(split !== undefined ? { split } : {}),
    ...(seed !== undefined ? { seed } : {}),
    compare: values.compare ?? false,
    print: true,
  });
  return 0;
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
