import { chromium } from "playwright-core";
import type { TestProject } from "vitest/node";
import { startDynamoLocal, startSqsLocal } from "../scripts/local/stand-ins.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
    sqsUrlBase: string;
    /** The run's one headless chromium (Debian's), for the browser tests to `chromium.connect`. */
    browserWsEndpoint: string;
  }
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts the embedded AWS stand-ins once for the whole test run and stops them at the end. */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [dynamo, sqs, browser] = await Promise.all([
    startDynamoLocal(),
    startSqsLocal(),
    chromium.launchServer({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }).catch((err: unknown) => {
      throw new Error(
        `cannot start ${CHROMIUM_PATH} for the browser tests (Debian: apt-get install -y chromium fonts-noto-cjk): ${String(err)}`,
      );
    }),
  ]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  project.provide("sqsUrlBase", sqs.urlBase);
  project.provide("browserWsEndpoint", browser.wsEndpoint());
  return async () => {
    await Promise.all([sqs.stop(), dynamo.stop(), browser.close()]);
  };
}
