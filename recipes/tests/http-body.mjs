#!/usr/bin/env node
// An example recipe test: GET the app and check it serves the release under
// test. Writes a JUnit report, as a recipe's own test suite would.
// usage: http-body.mjs URL EXPECTED_TEXT JUNIT_FILE
import { writeFileSync } from 'node:fs';

const [url, expected, junit] = process.argv.slice(2);
const started = Date.now();
let failure = null;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (res.status !== 200) failure = `HTTP ${res.status}`;
  else if (!body.includes(expected)) failure = `body does not mention ${expected}`;
} catch (e) {
  failure = e.message;
}
const esc = (s) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
const secs = ((Date.now() - started) / 1000).toFixed(3);
writeFileSync(
  junit,
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="http-body" tests="1" failures="${failure ? 1 : 0}">\n` +
    `  <testcase classname="http-body" name="serves ${esc(expected)}" time="${secs}">` +
    (failure ? `<failure message="${esc(failure)}"/>` : '') +
    `</testcase>\n</testsuite>\n`,
);
process.exit(failure ? 1 : 0);
