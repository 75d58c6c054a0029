/**
 * The Web UI, in a real browser: Debian's headless Chromium, driven by
 * playwright-core, against the dev server's own UI. A sweep must be readable
 * there without logs: the sweep and its recipe workflows found by their
 * search attributes, and a recipe's label and reason on its page.
 * Screenshots land in test-results/web-ui/ (docs/ keeps one).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { makeFixture, REPO, type Fixture } from '../helpers/fixture';
import { cli, startWorker } from '../helpers/temporal';
import { TEST_NAMESPACE } from '../helpers/pool';

const SHOTS = path.join(REPO, 'test-results', 'web-ui');
// As root, in a sandbox with no outside network: no sandbox, no background calls home.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the Web UI in a real browser', () => {
  let f: Fixture;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    f = await makeFixture('webui', [{ name: 'gone' }, { name: 'unreleased', from: 'unreleased', port: 18084 }]);
    worker = await startWorker(f);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it('finds the sweep and its recipe workflows by search attribute, with label and reason', async () => {
    onTestFailed(() => page.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).then(() => undefined));
    const run = await cli(f, ['sweep', 'start', '--wait', '--json']);
    expect(run.code).toBe(0);
    const { workflowId } = JSON.parse(run.stdout) as { workflowId: string };
    const ui = f.loaded.config.temporal.uiUrl;

    // The sweep's workflows, listed by the sweep id search attribute.
    await openUntilShown(page, `${ui}/namespaces/${TEST_NAMESPACE}/workflows?query=${encodeURIComponent(`CoopciSweepId = "${workflowId}"`)}`, [
      workflowId,
      `${workflowId}/gone`,
      `${workflowId}/unreleased`,
    ]);
    await page.screenshot({ path: path.join(SHOTS, 'sweep-workflows.png'), fullPage: true });

    // Failed recipes are one query away.
    await openUntilShown(
      page,
      `${ui}/namespaces/${TEST_NAMESPACE}/workflows?query=${encodeURIComponent(`CoopciLabel = "FAILED" AND CoopciSweepId = "${workflowId}"`)}`,
      [`${workflowId}/gone`],
    );
    expect(await page.getByText(`${workflowId}/unreleased`, { exact: true }).count()).toBe(0);

    // A recipe's page says what happened and why, without opening a log:
    // the result, the label as a search attribute, summary and details.
    await page.goto(`${ui}/namespaces/${TEST_NAMESPACE}/workflows/${encodeURIComponent(`${workflowId}/gone`)}`);
    await page.getByText('"label": "FAILED"').first().waitFor({ timeout: 30_000 });
    await page
      .getByText(/"reason": "mirror-sync failed: git ls-remote/)
      .first()
      .waitFor();
    await page.getByText('syncRecipe • mirror-sync gone').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'recipe-failed.png'), fullPage: true });
    await page.getByRole('tab', { name: 'Search Attributes' }).click();
    await page.getByText('"CoopciLabel": "FAILED"').first().waitFor();
    await page.getByText('"CoopciRecipe": "gone"').first().waitFor();

    // The sweep's page names each child and step by its summary.
    await page.goto(`${ui}/namespaces/${TEST_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    for (const summary of [`gone (sweep ${workflowId})`, `unreleased (sweep ${workflowId})`, 'load config snapshot', 'write sweep report']) {
      await page.getByText(summary, { exact: true }).first().waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: path.join(SHOTS, 'sweep-metadata.png'), fullPage: true });
  }, 240_000);
});

/** Opens a list page, reloading while it lags behind (a loaded machine can render it before the list arrives). */
async function openUntilShown(page: Page, url: string, texts: string[]): Promise<void> {
  await page.goto(url);
  for (let attempt = 1; ; attempt++) {
    try {
      for (const t of texts) await page.getByText(t, { exact: true }).first().waitFor({ timeout: 15_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.reload();
    }
  }
}
