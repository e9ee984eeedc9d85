import type { Reporter, TestModule } from "vitest/node";

/** Ends the run with one plain line, "N passed, N failed[, N skipped]", that any CI can read. */
export default class SummaryReporter implements Reporter {
  private line = "";

  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      if (mod.state() === "failed" && !mod.children.size) failed++;
    }
    this.line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
  }

  /** After the default reporter's summary, so the plain line is the run's last. */
  onFinished() {
    if (this.line) process.stdout.write(`\n${this.line}\n`);
  }
}
