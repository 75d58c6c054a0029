import { describe, expect, it } from 'vitest';
import { upstreamGone } from '../../domain/upstream-gone';

describe('upstreamGone', () => {
  it.each([
    ["git ls-remote: exited 128: fatal: '/srv/nowhere' does not appear to be a git repository\nfatal: Could not read from remote repository.", true],
    ["git ls-remote: exited 128: remote: Not found.\nfatal: repository 'https://git.coopcloud.tech/coop-cloud/gone.git/' not found", true],
    ["fatal: repository 'https://github.com/example/gone/' not found", true],
    ['ERROR: Repository not found.\nfatal: Could not read from remote repository.', true],
    ["git ls-remote: exited 128: fatal: unable to access 'https://git.coopcloud.tech/x.git/': Could not resolve host: git.coopcloud.tech", false],
    ["fatal: unable to access 'https://example.org/x.git/': The requested URL returned error: 502", false],
    ['git ls-remote: timed out after 30000 ms', false],
    ['ssh: connect to host example.org port 22: Connection refused', false],
  ])('%s → %s', (message, gone) => {
    expect(upstreamGone(message)).toBe(gone);
  });
});
