import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  upgradeBase,
  describeIgnoredTags,
  ignoredTags,
  latestRelease,
  parseVersion,
  previousRelease,
  VersionError,
} from '../../domain/version';

describe('parseVersion', () => {
  it.each([
    ['1.0.0+v1.6.870-0', [1, 0, 0], [], 'v1.6.870-0'],
    ['3.6.0+1.24.2-rootless', [3, 6, 0], [], '1.24.2-rootless'],
    ['0.8.1+3.5.0', [0, 8, 1], [], '3.5.0'],
    ['1.13.0+1.31.1', [1, 13, 0], [], '1.31.1'],
    ['2.0.0-rc.1+5.0', [2, 0, 0], ['rc', '1'], '5.0'],
    ['1.2.3', [1, 2, 3], [], null],
  ])('parses %s', (raw, [major, minor, patch], pre, upstream) => {
    expect(parseVersion(raw)).toEqual({ raw, major, minor, patch, prerelease: pre, upstream });
  });

  it.each([
    ['', /empty/],
    ['latest', /not a recipe version/],
    ['v1.0.0+1.0', /not a recipe version/],
    ['1.0+1.0', /not a recipe version/],
    ['01.0.0+1', /not a recipe version/],
    ['1.0.0+', /not a recipe version/],
    ['1.0.0+1.0 ; rm -rf /', /not a recipe version/],
    ['--help', /not a recipe version/],
    ['1.0.0+../../etc', /not a recipe version/],
    ['1.0.0-01+x', /leading zero/],
    ['1.0.0+ü', /not a recipe version/],
    ['9'.repeat(200), /longer than/],
    ['99999999999999999999.0.0', /too large/],
  ])('rejects %j', (raw, message) => {
    expect(() => parseVersion(raw)).toThrow(VersionError);
    expect(() => parseVersion(raw)).toThrow(message);
  });
});

describe('compareVersions orders by the recipe semver only', () => {
  it.each([
    ['1.0.0+9.9', '2.0.0+0.1', -1],
    ['1.13.0+1.31.1', '1.2.0+2.0', 1],
    ['0.8.1+3.5.0', '0.8.1+3.6.0', 0],
    ['1.0.0-rc.1+x', '1.0.0+x', -1],
    ['1.0.0-alpha+x', '1.0.0-alpha.1+x', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-rc.1', '1.0.0-beta.11', 1],
  ])('%s vs %s → %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });
});

describe('latestRelease', () => {
  it.each([
    [[], null],
    [['not-a-tag', 'main'], null],
    [['1.0.0+1', '1.10.0+1', '1.9.0+2'], '1.10.0+1'],
    [['3.5.3+1.24.2-rootless', '3.6.0+1.24.2-rootless'], '3.6.0+1.24.2-rootless'],
    [['1.0.0+1', '2.0.0-rc.1+2'], '1.0.0+1'],
    [['2.0.0-rc.1+2'], null],
    [['1.0.0+b', '1.0.0+a'], '1.0.0+b'],
    [['1.0.0+a', '1.0.0+b'], '1.0.0+b'],
  ])('%j → %s', (tags, expected) => {
    expect(latestRelease(tags)).toBe(expected);
  });

  it('includes pre-releases only when asked', () => {
    expect(latestRelease(['1.0.0+1', '2.0.0-rc.1+2'], { includePrereleases: true })).toBe('2.0.0-rc.1+2');
  });

  it('finds the release before a version for the upgrade tier', () => {
    const tags = ['0.9.0+1', '1.0.0+1', '1.1.0-rc.1+1', '1.1.0+1', 'junk'];
    expect(previousRelease(tags, '1.1.0+1')).toBe('1.0.0+1');
    expect(previousRelease(tags, '0.9.0+1')).toBeNull();
  });
});

describe('ignored tags are said, with why', () => {
  it('names v-prefixed, prerelease and non-version tags; releases are not listed', () => {
    const tags = ['v2.4.8', '1.0.0+1.0', '1.1.0-rc.1+1.1', 'wip', 'V1.0.0'];
    expect(ignoredTags(tags)).toEqual([
      { tag: 'v2.4.8', why: 'v-prefixed: Co-op Cloud release tags are <version>+<upstream>, without a v' },
      { tag: '1.1.0-rc.1+1.1', why: 'a prerelease, and includePrereleases is off' },
      { tag: 'wip', why: 'not a recipe version' },
      { tag: 'V1.0.0', why: 'v-prefixed: Co-op Cloud release tags are <version>+<upstream>, without a v' },
    ]);
    expect(ignoredTags(tags, { includePrereleases: true }).map((t) => t.tag)).toEqual(['v2.4.8', 'wip', 'V1.0.0']);
  });
  it('describes at most five, then counts the rest; nothing when none', () => {
    expect(describeIgnoredTags([])).toBe('');
    const many = ignoredTags(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(describeIgnoredTags(many)).toBe(
      'ignored tags: a (not a recipe version), b (not a recipe version), c (not a recipe version), d (not a recipe version), e (not a recipe version) and 2 more',
    );
  });
});

describe('upgrade base', () => {
  const tags = ['1.0.0+1', '1.1.0+1', '1.2.0+1', 'v0.9.0'];
  it.each([
    ['the release before the tested one by default', undefined, { from: '1.1.0+1' }],
    ['upgradeFrom when it is an older release tag', '1.0.0+1', { from: '1.0.0+1' }],
    ['a problem naming upgradeFrom when it is not older', '1.2.0+1', { problem: 'upgradeFrom 1.2.0+1 is not older than the tested 1.2.0+1' }],
    ['a problem naming upgradeFrom when it is no tag', '0.9.0', { problem: 'upgradeFrom 0.9.0 is not a release tag of the upstream' }],
  ])('%s', (_n, upgradeFrom, expected) => {
    expect(upgradeBase(tags, '1.2.0+1', upgradeFrom)).toEqual(expected);
  });
  it('none for a first release', () => {
    expect(upgradeBase(tags, '1.0.0+1')).toEqual({ none: 'no earlier release to upgrade from' });
  });
});
