import { fileURLToPath } from "node:url";

/** The repository root: NodejsFunction's projectRoot, and the base of every entry in functions/routes.ts. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The configuration file the local runtime reads too; `-c config=path` picks another one. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL("../shared/config/city.json", import.meta.url));

/** The web app (static files, no build step): what the web stack uploads by default. */
export const WEB_APP_DIR = fileURLToPath(new URL("../web", import.meta.url));

export const CDK_JSON_PATH = fileURLToPath(new URL("../cdk.json", import.meta.url));
