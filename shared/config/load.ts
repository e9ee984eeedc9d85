import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CityConfig } from "./schema.js";

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    reason: string,
  ) {
    super(`invalid city configuration ${source}: ${field || "(root)"}: ${reason}`);
    this.name = "ConfigError";
  }
}

/** Validates raw configuration data; throws ConfigError naming the path of the first bad field. */
export function parseCityConfig(raw: unknown, source = "(inline)"): CityConfig {
  const result = CityConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue ? issue.path.map(String).join(".") : "";
    throw new ConfigError(source, field, issue?.message ?? "invalid");
  }
  return result.data;
}

/**
 * The raw configuration with its GeoJSON grid file (`geo.gridsFile`, relative to the configuration file) read
 * into `geo.grids`. `read` returns a file's text; a missing or malformed file is a ConfigError naming the field.
 */
export function withGridsFile(raw: unknown, source: string, read: (file: string) => string): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const geo = (raw as { geo?: { gridsFile?: unknown; grids?: unknown } }).geo;
  if (!geo || typeof geo.gridsFile !== "string" || geo.grids !== undefined) return raw;
  let grids: unknown;
  try {
    grids = JSON.parse(read(geo.gridsFile));
  } catch (err) {
    throw new ConfigError(source, "geo.gridsFile", `cannot read ${geo.gridsFile}: ${(err as Error).message}`);
  }
  return { ...raw, geo: { ...geo, grids } };
}

/** Reads and validates a configuration file and the grid polygons it references. */
export function loadCityConfigFile(path: string, source = path): CityConfig {
  const raw = JSON.parse(readFileSync(path, "utf8"));
  return parseCityConfig(
    withGridsFile(raw, source, (file) => readFileSync(resolve(dirname(path), file), "utf8")),
    source,
  );
}
