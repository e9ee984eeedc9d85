// The only module of shared/classify that touches the file system.
import { readFileSync } from "node:fs";
import { DataError, parseLabelledData } from "./dataset.js";
import { loadModel } from "./model.js";
import type { Classifier, TrainingRow } from "./types.js";

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DataError(`${what} not found: ${path}`);
    if (code === "EISDIR") throw new DataError(`${what} is a directory: ${path}`);
    throw new DataError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** Loads a model file written by `npm run train` as a classifier. */
export function loadModelFile(path: string): Classifier {
  return loadModel(readFile(path, "model file"));
}

/** Reads labelled rows from a .jsonl or .csv file (see {@link parseLabelledData}). */
export function readLabelledFile(path: string): TrainingRow[] {
  return parseLabelledData(readFile(path, "data file").toString("utf8"), path);
}
