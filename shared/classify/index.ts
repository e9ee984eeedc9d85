export { DataError, parseCsv, parseLabelledCsv, parseLabelledData, parseLabelledJsonl } from "./dataset.js";
export {
  type ClassScores,
  type EvaluateOptions,
  type Evaluation,
  evaluateClassifier,
  quantile,
  stratifiedSplit,
  type ThresholdScores,
} from "./evaluate.js";
export { DEFAULT_FEATURES, extractFeatures, type FeatureConfig, isPreTokenized } from "./features.js";
export { loadModelFile, readLabelledFile } from "./files.js";
export { createKeywordClassifier, type KeywordClassifierOptions } from "./keyword.js";
export { createModelClassifier, loadModel, type Model, parseModel, serializeModel } from "./model.js";
export { normalizeText } from "./normalize.js";
export { DEFAULT_TEMPERATURE, type TrainOptions, trainModel } from "./trainer.js";
export type { Classifier, Suggestion, TrainingRow } from "./types.js";
