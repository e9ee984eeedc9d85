import { randomUUID } from "node:crypto";
import type { CityConfig } from "../config/schema.js";
import { createDeadlinePolicy, type DeadlinePolicy } from "../domain/deadline.js";
import { createRouter, type Router } from "../domain/routing.js";
import { type Logger, silentLogger } from "../log.js";
import { type Clock, type KeyStore, type Queue, systemClock, type TicketStore } from "../ports.js";

/** A ranked category guess from free text (see shared/classify). */
export interface TextClassifier {
  suggest(text: string, limit?: number): { label: string; confidence: number }[];
}

/** Everything the core needs, built once at start-up and handed to every service call. */
export interface Core {
  config: CityConfig;
  store: TicketStore;
  keys: KeyStore;
  queue: Queue;
  clock: Clock;
  log: Logger;
  router: Router;
  deadlines: DeadlinePolicy;
  /** Labels are category ids, or model labels mapped through config.classifier.labels. */
  classifier: TextClassifier | null;
  newId: () => string;
  departments: ReadonlySet<string>;
  categories: ReadonlySet<string>;
}

export function createCore(parts: {
  config: CityConfig;
  store: TicketStore;
  keys: KeyStore;
  queue: Queue;
  clock?: Clock;
  log?: Logger;
  classifier?: TextClassifier | null;
  newId?: () => string;
}): Core {
  return {
    ...parts,
    clock: parts.clock ?? systemClock,
    log: parts.log ?? silentLogger,
    classifier: parts.classifier ?? null,
    newId: parts.newId ?? randomUUID,
    router: createRouter(parts.config),
    deadlines: createDeadlinePolicy(parts.config),
    departments: new Set(parts.config.departments.map((d) => d.id)),
    categories: new Set(parts.config.categories.map((c) => c.id)),
  };
}
