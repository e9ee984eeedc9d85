import { randomUUID } from "node:crypto";
import type { WechatSettings } from "../channels/wechat/settings.js";
import { createDeadlinePolicy, type DeadlinePolicy } from "../closure/deadline.js";
import type { CityConfig } from "../config/schema.js";
import { type Logger, silentLogger } from "../log.js";
import { type Metrics, noMetrics } from "../metrics.js";
import {
  type ChannelCallbacks,
  type Clock,
  type ConversationStore,
  type DedupIndex,
  type KeyStore,
  type NotificationSenders,
  type Queue,
  systemClock,
  type TicketStore,
  type UploadStore,
} from "../ports.js";
import { type AreaLocator, createAreaLocator } from "../routing/area.js";
import { createDecider, createRouter, type Decider, type Router } from "../routing/router.js";
import { ephemeralSecrets, type Secrets } from "../security/secrets.js";
import { createTicketNumbers, type TicketNumbers } from "./ticket-numbers.js";

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
  metrics: Metrics;
  router: Router;
  /** Lead (主办), co-handlers (协办) and small matters (小事一格解决): shared/routing/router.ts. */
  decider: Decider;
  /** Point → grid cell, address → community, built once (shared/routing/area.ts). */
  areas: AreaLocator;
  /** Open tickets by repeat partition (重复工单); null: no repeat check. */
  dedup: DedupIndex | null;
  deadlines: DeadlinePolicy;
  classifier: CategorySuggester | null;
  /** Deliver notifications to residents, by the ticket's origin channel (shared/notify). */
  senders: NotificationSenders;
  /** Answers callbacks (回访) rated inside a channel's conversation; null until the closure loop provides it. */
  callbacks: ChannelCallbacks | null;
  /** Public base URL of the API (rating links 回访 `/rate/<token>`); set by the runtime. */
  publicBaseUrl: string | null;
  /** Residents' photo uploads (presigned S3 PUT in AWS, a local folder locally); null when not configured. */
  uploads: UploadStore | null;
  /** Channel conversations (WeChat 会话); null where no channel conversation runs. */
  conversations: ConversationStore | null;
  /** The WeChat channel's settings (Official Account, API base URL); null when WeChat is not configured. */
  wechat: WechatSettings | null;
  newId: () => string;
  /** Keys derived from the deployment secret (lease tokens, the phone index). */
  secrets: Secrets;
  /**
   * How a ticket that needs a queue gets there: "stream" — the table's stream consumer sends it (outbox.ts; the
   * request path ends with the write); "inline" — the request sends it after the write (no stream consumer).
   */
  dispatch: "stream" | "inline";
  /** Ticket numbers from per-process blocks of the day's counter (ticket-numbers.ts). */
  numbers: TicketNumbers;
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
  metrics?: Metrics;
  classifier?: CategorySuggester | null;
  senders?: NotificationSenders;
  callbacks?: ChannelCallbacks | null;
  publicBaseUrl?: string | null;
  uploads?: UploadStore | null;
  conversations?: ConversationStore | null;
  wechat?: WechatSettings | null;
  dedup?: DedupIndex | null;
  newId?: () => string;
  secrets?: Secrets;
  dispatch?: "stream" | "inline";
  /** The area index when the caller builds it (functions/lib/runtime.ts: on first use where nothing files). */
  areas?: AreaLocator;
}): Core {
  return {
    ...parts,
    clock: parts.clock ?? systemClock,
    log: parts.log ?? silentLogger,
    metrics: parts.metrics ?? noMetrics,
    classifier: parts.classifier ?? null,
    senders: parts.senders ?? {},
    callbacks: parts.callbacks ?? null,
    publicBaseUrl: parts.publicBaseUrl ?? null,
    uploads: parts.uploads ?? null,
    conversations: parts.conversations ?? null,
    wechat: parts.wechat ?? null,
    newId: parts.newId ?? randomUUID,
    secrets: parts.secrets ?? ephemeralSecrets(),
    dispatch: parts.dispatch ?? "inline",
    numbers: createTicketNumbers((day, count) => parts.store.nextSequence(day, count)),
    router: createRouter(parts.config),
    decider: createDecider(parts.config),
    areas: parts.areas ?? createAreaLocator(parts.config),
    dedup: parts.dedup ?? null,
    deadlines: createDeadlinePolicy(parts.config),
    departments: new Set(parts.config.departments.map((d) => d.id)),
    categories: new Set(parts.config.categories.map((c) => c.id)),
  };
}
