import type { Core } from "../../shared/services/context.js";
import { reconcileQueues } from "../../shared/services/delivery.js";
import {
  type QueueDefinition,
  queueDefinitions,
  type StandIn,
  startDynamoLocal,
  startSqsLocal,
} from "./stand-ins.js";

export interface Supervised {
  readonly endpoint: string;
  /** How many times the stand-in was restarted after dying. */
  readonly restarts: number;
  /** True while a stand-in is running (false from its death until its restart has finished). */
  readonly running: boolean;
  /**
   * Ends the running stand-in abruptly, as a crash would (DynamoDB Local's JVM gets SIGKILL; the queue server
   * drops every connection and closes): the supervisor sees a death like any other. For drills and tests.
   */
  kill(): void;
  stop(): Promise<void>;
}

/**
 * Keeps a stand-in running: when it dies by itself it is started again on the same port (so every client's
 * endpoint stays right) after `restartDelayMs` (doubled for each further death within `windowMs`, so a stand-in
 * that cannot stay up is not restarted in a hot loop), and `afterRestart` runs (re-create what it forgot). More
 * than `maxRestarts` deaths within `windowMs`, or a restart that fails, calls `giveUp` — npm start then exits
 * loudly instead of serving requests it cannot keep.
 */
export async function supervise(opts: {
  name: string;
  start: (port?: number) => Promise<StandIn>;
  afterRestart?: () => Promise<void>;
  maxRestarts?: number;
  windowMs?: number;
  restartDelayMs?: number;
  log: (message: string) => void;
  giveUp: (reason: string) => void;
}): Promise<Supervised> {
  const maxRestarts = opts.maxRestarts ?? 3;
  const windowMs = opts.windowMs ?? 60_000;
  const restartDelayMs = opts.restartDelayMs ?? 500;
  let current = await opts.start();
  const port = Number(new URL(current.endpoint).port);
  const deaths: number[] = [];
  let restarts = 0;
  let running = true;
  let stopped = false;
  let pending: NodeJS.Timeout | undefined;
  const watch = (s: StandIn) =>
    s.onDeath((reason) => {
      if (stopped) return;
      running = false;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length && deaths[0]! < now - windowMs) deaths.shift();
      if (deaths.length > maxRestarts) {
        opts.giveUp(`${opts.name}: ${reason}; died ${deaths.length} times within ${windowMs / 1000} s`);
        return;
      }
      const delay = restartDelayMs * 2 ** (deaths.length - 1);
      opts.log(`${opts.name}: ${reason}; restarting on port ${port} in ${delay} ms`);
      pending = setTimeout(() => {
        pending = undefined;
        if (stopped) return;
        opts
          .start(port)
          .then(async (next) => {
            if (stopped) return next.stop();
            current = next;
            restarts++;
            watch(next);
            // What it forgot is re-created; a dependency that is itself restarting (the table, for the queues'
            // reconciliation) gets a few tries before the supervisor gives up.
            for (let attempt = 1; opts.afterRestart; attempt++) {
              try {
                await opts.afterRestart();
                break;
              } catch (err) {
                if (attempt >= 5 || stopped) throw err;
                opts.log(`${opts.name}: after restart: ${String(err)}; trying again`);
                await new Promise((r) => setTimeout(r, 1000 * attempt));
              }
            }
            running = true;
            opts.log(`${opts.name}: restarted`);
          })
          .catch((err: unknown) => opts.giveUp(`${opts.name}: restart failed: ${String(err)}`));
      }, delay);
    });
  watch(current);
  return {
    endpoint: current.endpoint,
    get restarts() {
      return restarts;
    },
    get running() {
      return running;
    },
    kill: () => current.kill(),
    stop: async () => {
      stopped = true;
      clearTimeout(pending);
      await current.stop();
    },
  };
}

export interface LocalStandIns {
  dynamo: Supervised;
  sqs: Supervised;
  /** The queue server's queue URL prefix (`http://127.0.0.1:<port>/<account>/`). */
  sqsUrlBase: string;
  /**
   * What a restart of the in-memory queue server needs once the system runs: its queues (there before its port
   * opens) and every ticket the table says is waiting offered again. Until this is called a restart only brings
   * the server back.
   */
  reofferAfterSqsRestart(core: Core, queuePrefix: string): void;
  stop(): Promise<void>;
}

/**
 * The local runtime's stand-ins under supervision (npm start, and the suites that kill them): DynamoDB Local
 * with its data in `dbPath` and the in-process SQS server, each restarted on its own port when it dies.
 */
export async function superviseLocalStandIns(opts: {
  dbPath: string;
  log: (message: string) => void;
  giveUp: (reason: string) => void;
  restartDelayMs?: number;
}): Promise<LocalStandIns> {
  const common = {
    log: opts.log,
    giveUp: opts.giveUp,
    ...(opts.restartDelayMs !== undefined ? { restartDelayMs: opts.restartDelayMs } : {}),
  };
  let afterSqsRestart: () => Promise<void> = async () => {};
  /** The queues a restarted server starts with (known once the system runs). */
  let queues: QueueDefinition[] | undefined;
  const dynamo = await supervise({
    name: "DynamoDB Local",
    start: (port) => startDynamoLocal({ dbPath: opts.dbPath, ...(port ? { port } : {}) }),
    ...common,
  });
  let sqsUrlBase = "";
  const sqs = await supervise({
    name: "SQS server",
    start: async (port) => {
      const s = await startSqsLocal({ ...(port ? { port } : {}), ...(port && queues ? { queues } : {}) });
      sqsUrlBase = s.urlBase;
      return s;
    },
    afterRestart: () => afterSqsRestart(),
    ...common,
  }).catch(async (err: unknown) => {
    await dynamo.stop();
    throw err;
  });
  return {
    dynamo,
    sqs,
    sqsUrlBase,
    reofferAfterSqsRestart(core, queuePrefix) {
      queues = queueDefinitions(queuePrefix, core.config);
      afterSqsRestart = async () => {
        const started = Date.now();
        const { offered } = await reconcileQueues(core);
        opts.log(`SQS server: ${offered} waiting tickets offered again in ${Date.now() - started} ms`);
      };
    },
    stop: async () => {
      await sqs.stop();
      await dynamo.stop();
    },
  };
}
