import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseLabelledJsonl } from "../../../shared/classify/dataset.js";
import type { TrainingRow } from "../../../shared/classify/types.js";

/** Sentences written for these tests (not taken from any data set). */
export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

export const trainRows: TrainingRow[] = parseLabelledJsonl(
  readFileSync(fixturePath("classify-train.jsonl"), "utf8"),
);
export const heldOutRows: TrainingRow[] = parseLabelledJsonl(
  readFileSync(fixturePath("classify-heldout.jsonl"), "utf8"),
);
