import { describe, expect, it } from 'vitest';
import { redact, secretValuesOf, tail } from '../../domain/redact';
import { junitForTier, parseJunit } from '../../adapters/junit';

describe('redact', () => {
  it.each([
    ['SECRET_DB_PASSWORD=hunter22 other', 'SECRET_DB_PASSWORD=[redacted] other'],
    ['API_KEY: abc123def', 'API_KEY=[redacted]'],
    ['clone https://bot:s3cret@git.example.org/r.git', 'clone https://[redacted]@git.example.org/r.git'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x', 'Authorization: Bearer [redacted]'],
    ['nothing secret here', 'nothing secret here'],
  ])('%j', (input, out) => expect(redact(input)).toBe(out));

  it('removes known secret values anywhere', () => {
    expect(redact('value is 0123456789abcdef!', ['0123456789abcdef'])).toBe('value is [redacted]!');
  });

  it('keeps only the last lines, redacted', () => {
    const t = tail(Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\nTOKEN=abc', { lines: 3 });
    expect(t).toBe('line 18\nline 19\nTOKEN=[redacted]');
  });

  it('makes garbage printable: terminal escapes dropped, control characters and invalid bytes marked', () => {
    expect(tail('\x1b[31mred\x1b[0m ok\nbin\x00\x01\x02ary \ufffd\ufffd end\r\n10%\r50%\r')).toBe('red ok\nbin\u2400ary \u2400 end\n10%\n50%');
  });

  it('scrubs bare values of secret-named environment variables', () => {
    const secrets = secretValuesOf({ TEMPORAL_API_KEY: 'k-123456789', SMTP_PASSWORD: 'hunter22', PATH: '/usr/bin', GITEA_TOKEN: 'short', HOME: '/root' });
    expect(secrets).toEqual(['k-123456789', 'hunter22']);
    expect(tail('connecting as bot with hunter22 and k-123456789', { secrets })).toBe('connecting as bot with [redacted] and [redacted]');
  });
});

describe('JUnit', () => {
  it('counts cases from a report with several suites', () => {
    const xml = `<testsuites><testsuite name="a"><testcase classname="a" name="ok"/><testcase classname="a" name="bad"><failure message="x"/></testcase></testsuite>
      <testsuite name="b"><testcase classname="b" name="err"><error/></testcase><testcase classname="b" name="skip"><skipped/></testcase></testsuite></testsuites>`;
    expect(parseJunit(xml)).toEqual({ tests: 4, failures: 1, errors: 1, skipped: 1, failed: ['a.bad', 'b.err'] });
  });

  it('rejects a file that is not JUnit', () => {
    expect(() => parseJunit('<html/>')).toThrow(/not a JUnit report/);
  });

  it.each(['pass', 'fail', 'n/a'] as const)('round-trips a %s tier report', (status) => {
    const s = parseJunit(junitForTier('hello', 'install', status, 1234, 'why <&>'));
    expect(s).toMatchObject({ tests: 1, failures: status === 'fail' ? 1 : 0, skipped: status === 'n/a' ? 1 : 0 });
  });
});
