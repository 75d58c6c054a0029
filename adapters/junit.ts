import { XMLParser } from 'fast-xml-parser';

export interface JunitSummary {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Names of failed test cases, for a readable reason. */
  failed: string[];
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' });

interface Case {
  name?: string;
  classname?: string;
  failure?: unknown;
  error?: unknown;
  skipped?: unknown;
}

/** Counts from a JUnit XML file's test cases (not its summary attributes, which tools get wrong). */
export function parseJunit(xml: string): JunitSummary {
  const doc = parser.parse(xml) as { testsuites?: { testsuite?: { testcase?: Case[] }[] }; testsuite?: { testcase?: Case[] }[] };
  const suites = doc.testsuites?.testsuite ?? doc.testsuite;
  if (!suites) throw new Error('not a JUnit report: no <testsuite>');
  const cases = suites.flatMap((s) => s.testcase ?? []);
  const failed = cases.filter((c) => c.failure !== undefined || c.error !== undefined);
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure !== undefined).length,
    errors: cases.filter((c) => c.error !== undefined).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
    failed: failed.map((c) => [c.classname, c.name].filter(Boolean).join('.')),
  };
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A one-case JUnit report for a built-in tier, so every tier leaves the same kind of evidence. */
export function junitForTier(recipe: string, tier: string, status: 'pass' | 'fail' | 'n/a', durationMs: number, reason?: string): string {
  const body =
    status === 'fail' ? `<failure message="${esc(reason ?? 'failed')}"/>` : status === 'n/a' ? `<skipped message="${esc(reason ?? 'not applicable')}"/>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuite name="${esc(recipe)}.${tier}" tests="1" failures="${status === 'fail' ? 1 : 0}" skipped="${status === 'n/a' ? 1 : 0}" time="${(durationMs / 1000).toFixed(3)}">\n` +
    `  <testcase classname="${esc(recipe)}" name="${tier}" time="${(durationMs / 1000).toFixed(3)}">${body}</testcase>\n` +
    `</testsuite>\n`
  );
}
