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
