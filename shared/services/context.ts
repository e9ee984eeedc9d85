import { randomUUID } from "node:crypto";
import type { CityConfig } from "../config/schema.js";
import { createDeadlinePolicy, type DeadlinePolicy } from "../domain/deadline.js";
import { type Logger, silentLogger } from "../log.js";
import {
  type ChannelCallbacks,
  type Clock,
  type KeyStore,
  type NotificationSenders,
  type Queue,
  systemClock,
  type TicketStore,
} from "../ports.js";
import { createRouter, type Router } from "../routing/router.js";

/** The best category guess for free text (see shared/classify and classifier-setup.ts), or null. */
export interface CategorySuggester {
  suggest(text: string): { label: string; confidence: number; categoryId: string | null } | null;
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
  classifier: CategorySuggester | null;
  /** Deliver notifications to residents, by the ticket's origin channel (shared/notify). */
  senders: NotificationSenders;
  /** Answers callbacks (回访) rated inside a channel's conversation; null until the closure loop provides it. */
  callbacks: ChannelCallbacks | null;
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
  classifier?: CategorySuggester | null;
  senders?: NotificationSenders;
  callbacks?: ChannelCallbacks | null;
  newId?: () => string;
}): Core {
  return {
    ...parts,
    clock: parts.clock ?? systemClock,
    log: parts.log ?? silentLogger,
    classifier: parts.classifier ?? null,
    senders: parts.senders ?? {},
    callbacks: parts.callbacks ?? null,
    newId: parts.newId ?? randomUUID,
    router: createRouter(parts.config),
    deadlines: createDeadlinePolicy(parts.config),
    departments: new Set(parts.config.departments.map((d) => d.id)),
    categories: new Set(parts.config.categories.map((c) => c.id)),
  };
}
