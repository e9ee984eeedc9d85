import type { StandIn } from "./stand-ins.js";

export interface Supervised {
  readonly endpoint: string;
  /** How many times the stand-in was restarted after dying. */
  readonly restarts: number;
  stop(): Promise<void>;
}

/**
 * Keeps a stand-in running: when it dies by itself it is started again on the same port (so every client's
 * endpoint stays right) and `afterRestart` runs (re-create what it forgot); more than `maxRestarts` deaths
 * within `windowMs`, or a restart that fails, calls `giveUp` — npm start then exits loudly instead of serving
 * requests it cannot keep.
 */
export async function supervise(opts: {
  name: string;
  start: (port?: number) => Promise<StandIn>;
  afterRestart?: () => Promise<void>;
  maxRestarts?: number;
  windowMs?: number;
  log: (message: string) => void;
  giveUp: (reason: string) => void;
}): Promise<Supervised> {
  const maxRestarts = opts.maxRestarts ?? 3;
  const windowMs = opts.windowMs ?? 60_000;
  let current = await opts.start();
  const port = Number(new URL(current.endpoint).port);
  const deaths: number[] = [];
  let restarts = 0;
  let stopped = false;
  const watch = (s: StandIn) =>
    s.onDeath((reason) => {
      if (stopped) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length && deaths[0]! < now - windowMs) deaths.shift();
      if (deaths.length > maxRestarts) {
        opts.giveUp(`${opts.name}: ${reason}; died ${deaths.length} times within ${windowMs / 1000} s`);
        return;
      }
      opts.log(`${opts.name}: ${reason}; restarting on port ${port}`);
      opts
        .start(port)
        .then(async (next) => {
          if (stopped) return next.stop();
          current = next;
          restarts++;
          watch(next);
          await opts.afterRestart?.();
          opts.log(`${opts.name}: restarted`);
        })
        .catch((err: unknown) => opts.giveUp(`${opts.name}: restart failed: ${String(err)}`));
    });
  watch(current);
  return {
    endpoint: current.endpoint,
    get restarts() {
      return restarts;
    },
    stop: async () => {
      stopped = true;
      await current.stop();
    },
  };
}
