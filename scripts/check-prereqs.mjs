// Fails fast, naming what is missing, before `npm start` or `npm test`.
import { spawnSync } from "node:child_process";

const problems = [];
const [major] = process.versions.node.split(".").map(Number);
// `npm ci` installs Node 22 for the project's scripts (the optional node-<os>-<cpu> packages put it first on
// the scripts' PATH); elsewhere the Node that runs npm must be 22 or newer.
if (major < 22)
  problems.push(
    `Node.js 22 or newer is required (found ${process.version}): run through npm (npm test / npm start) after npm ci, or install Node 22 or 24.`,
  );

const java = spawnSync(process.env.JAVA ?? "java", ["-version"], { encoding: "utf8" });
if (java.error || java.status !== 0) {
  problems.push(
    "A Java 17+ runtime is required for DynamoDB Local: install it (Debian: apt-get install -y openjdk-17-jre-headless).",
  );
} else {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${java.stderr}${java.stdout}`);
  const v = m ? (Number(m[1]) === 1 ? Number(m[2]) : Number(m[1])) : 0;
  if (v && v < 17) problems.push(`Java 17 or newer is required for DynamoDB Local (found Java ${v}).`);
}
if (problems.length) {
  for (const p of problems) console.error(`prerequisite missing: ${p}`);
  process.exit(1);
}
