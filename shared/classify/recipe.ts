import type { TrainOptions } from "./trainer.js";
import type { TrainingRow } from "./types.js";

/**
 * How much one example in the residents' own voice counts against one formal message: seed data written by the
 * team and tickets whose category a dispatcher set or a closure confirmed (see docs/classifier.md, "Measured
 * numbers": 5 and 20 scored the same on the colloquial set, 1 clearly worse).
 */
export const VOICE_WEIGHT = 5;

/**
 * The training options `npm run train` and `npm run bench:routing` use for a city: colloquial normalisation,
 * the city's keyword lexicon (by model label) as features, and uniform class priors. Each was kept because it
 * helped on the colloquial set without costing on the formal split (docs/classifier.md).
 */
export function cityTrainOptions(lexicon: Record<string, string[]> | null, seed?: number): TrainOptions {
  return {
    features: { colloquial: true, ...(lexicon && Object.keys(lexicon).length ? { lexicon } : {}) },
    priors: "uniform",
    ...(seed === undefined ? {} : { seed }),
  };
}

/** Rows in the residents' voice, weighted by {@link VOICE_WEIGHT} (an explicit weight is kept). */
export function inResidentsVoice(rows: readonly TrainingRow[]): TrainingRow[] {
  return rows.map((r) => ({ ...r, weight: r.weight ?? VOICE_WEIGHT }));
}
