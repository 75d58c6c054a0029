/**
 * The Nix files, checked with Debian's nix (nix-bin, installed by
 * scripts/setup.sh): every file parses, and the NixOS module evaluates
 * against a minimal stand-in for nixpkgs (eval-module.nix; nixpkgs cannot be
 * fetched here) into the systemd units operators expect.
 */
import { execa } from 'execa';
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../contract/search-attributes';
import { REPO } from '../helpers/fixture';

const NIX_FILES = ['flake.nix', 'default.nix', 'nix/module.nix', 'nix/package.nix', 'test/deploy/eval-module.nix'];

const nix = (args: string[]) => execa('nix-instantiate', args, { cwd: REPO, reject: false });

type If<T> = { _type: 'if'; condition: boolean; content: T };
interface Unit {
  after: string[];
  requires?: string[];
  environment?: Record<string, string>;
  serviceConfig: Record<string, unknown>;
}
interface Evaluated {
  optionNames: string[];
  config: If<{ systemd: { services: { 'coopci-worker': Unit; 'coopci-temporal': If<Unit> } }; users: { users: { coopci: { extraGroups: string[] } } } }>;
}

async function evaluate(args: Record<string, string> = {}): Promise<Evaluated> {
  const r = await nix(['--eval', '--strict', '--json', 'test/deploy/eval-module.nix', ...Object.entries(args).flatMap(([k, v]) => ['--arg', k, v])]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Evaluated;
}

describe('Nix files', () => {
  it.each(NIX_FILES)('%s parses', async (file) => {
    const r = await nix(['--parse', file]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('a broken file does not parse (the check can fail)', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'nix-')), 'broken.nix');
    await writeFile(file, '{ config, lib, ... }: { options = { enable = lib.mkOption { ; }; }');
    expect((await nix(['--parse', file])).exitCode).not.toBe(0);
  });

  it("the module runs the hardened worker, applying the schedules, with Temporal settings in Temporal's variables", async () => {
    const { optionNames, config } = await evaluate({ tls: 'true', apiKeyFile: '"/run/secrets/coopci"' });
    expect(optionNames).toEqual(
      expect.arrayContaining(['enable', 'package', 'settings', 'configFile', 'temporal', 'environmentFile', 'devServer', 'applySchedules', 'convergeAtStart']),
    );
    expect(config).toMatchObject({ _type: 'if', condition: true });
    const worker = config.content.systemd.services['coopci-worker'];
    expect(worker.serviceConfig).toMatchObject({
      ExecStart: expect.stringMatching(/-coopci\/bin\/coopci worker --apply-schedules --converge-at-start$/),
      User: 'coopci',
      StateDirectory: 'coopci',
      Restart: 'always',
      NoNewPrivileges: true,
      ProtectSystem: 'strict',
      ProtectHome: true,
      EnvironmentFile: '/run/secrets/coopci',
    });
    expect(worker.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'coop',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/run/keys/client.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      COOPCI_CONFIG: expect.stringMatching(/^\/nix\/store\/.*-coopci\.yaml$/),
      // The heap limit the bench measures the worker's memory with (README "Performance").
      NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8',
    });
    expect(worker.environment).not.toHaveProperty('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
    expect(config.content.users.users.coopci.extraGroups).toEqual(['docker']);
    // No dev server unless asked for.
    expect(config.content.systemd.services['coopci-temporal']).toMatchObject({ _type: 'if', condition: false });
    expect(worker.requires).toEqual([]);
  });

  it('optionally runs a single-host dev server on loopback, with the search attributes, before the worker', async () => {
    const { config } = await evaluate({ devServer: 'true' });
    const dev = config.content.systemd.services['coopci-temporal'];
    expect(dev.condition).toBe(true);
    const start = String(dev.content.serviceConfig.ExecStart);
    expect(start).toMatch(/temporal-cli\/bin\/temporal' 'server' 'start-dev' '--ip' '127\.0\.0\.1'/);
    expect(start).toContain("'--ui-ip' '127.0.0.1'");
    expect(start).toContain("'--db-filename' '/var/lib/coopci-temporal/temporal.db'");
    for (const flag of SEARCH_ATTRIBUTE_FLAGS) expect(start).toContain(`'--search-attribute' '${flag}'`);
    const worker = config.content.systemd.services['coopci-worker'];
    expect(worker.requires).toEqual(['coopci-temporal.service']);
    expect(worker.after).toContain('coopci-temporal.service');
  });
});
