import type { TestProject } from "vitest/node";
import { startDynamoLocal, startSqsLocal } from "../scripts/local/stand-ins.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
    sqsUrlBase: string;
  }
}

/** Starts the embedded AWS stand-ins once for the whole test run and stops them at the end. */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [dynamo, sqs] = await Promise.all([startDynamoLocal(), startSqsLocal()]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  project.provide("sqsUrlBase", sqs.urlBase);
  return async () => {
    await Promise.all([sqs.stop(), dynamo.stop()]);
  };
}
