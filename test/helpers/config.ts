/** The config tests' common steps: a config object parsed as its YAML file would be, and the problems the check reports. */
import { expect } from 'vitest';
import YAML from 'yaml';
import { ConfigError, parseConfigText } from '../../config/load';

/** `c` written as YAML and parsed as the file `file` (relative paths resolve against it). */
export function parseConfig(c: unknown, file = '/etc/coopci.yaml'): ReturnType<typeof parseConfigText> {
  return parseConfigText(YAML.stringify(c), file);
}

/** Every problem the config check reports for `c` ([] when it is accepted); anything but a ConfigError fails the test. */
export function configProblems(c: unknown): string[] {
  try {
    parseConfig(c);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
}
