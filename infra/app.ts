#!/usr/bin/env node
/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Context: -c config=path -c prefix=intake
 * -c account=… -c region=… -c departmentPrincipal=… -c alarmEmail=… (see docs/deploy.md).
 */
import { App } from "aws-cdk-lib";
import { ConfigError } from "../shared/config/load.js";
import { buildIntakeApp } from "./intake-app.js";
import { SettingsError } from "./settings.js";

const app = new App();
try {
  buildIntakeApp(app);
} catch (err) {
  if (err instanceof ConfigError || err instanceof SettingsError) {
    console.error(`cdk: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
app.synth();
