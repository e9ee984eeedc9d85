import cityJson from "../../shared/config/city.json" with { type: "json" };
import gridsJson from "../../shared/config/grids.geo.json" with { type: "json" };
import { parseCityConfig, withGridsFile } from "../../shared/config/load.js";
import type { CityConfig } from "../../shared/config/schema.js";

/** The repository's city configuration (validated), unless CITY_CONFIG_JSON overrides it. */
export function bundledConfig(env: NodeJS.ProcessEnv): CityConfig {
  return env.CITY_CONFIG_JSON
    ? parseCityConfig(JSON.parse(env.CITY_CONFIG_JSON), "CITY_CONFIG_JSON")
    : parseCityConfig(
        withGridsFile(cityJson, "shared/config/city.json", () => JSON.stringify(gridsJson)),
        "shared/config/city.json",
      );
}
