#!/usr/bin/env node
// An example backup.verify command: exits 0 if and only if GET URL answers
// 200 with a body containing TEXT (the marker backup.seed wrote into the app's
// data), 1 otherwise, saying why on stderr.
// usage: http-contains.mjs URL TEXT
const [url, text] = process.argv.slice(2);
if (!url || !text) {
  console.error('usage: http-contains.mjs URL TEXT');
  process.exit(2);
}
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (res.status !== 200) {
    console.error(`${url}: HTTP ${res.status}`);
    process.exit(1);
  }
  if (!body.includes(text)) {
    console.error(`${url}: the body does not contain ${text}`);
    process.exit(1);
  }
} catch (e) {
  console.error(`${url}: ${e.message}`);
  process.exit(1);
}
