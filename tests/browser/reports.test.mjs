// Browser tests for the reports dashboard: it passes axe (WCAG 2.2 A/AA)
// with its charts, tables and "how this is counted" sections, works with
// its GET form, and each table downloads as CSV.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoAxeViolations,
  baseUrl,
  collectPageErrors,
  newContext,
  screenshot,
  signInToHome,
  urlPath,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

useTestServer();

describe('reports', () => {
  it('a commissioner reads the dashboard, filters it and downloads a table', async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.commissioner);
      await page.getByRole('link', { name: 'Reports' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
      assert.equal(urlPath(page), '/reports');
      // Every chart is an image named by its title, beside its table.
      const chart = page.getByRole('img', { name: 'Referrals by route' });
      await chart.waitFor();
      await page.getByRole('table', { name: 'Referrals by route' }).waitFor();
      await page.getByText('How this is counted').first().click();
      await screenshot(page, 'reports.png');
      await assertNoAxeViolations(page, 'the reports dashboard');

      await page.getByLabel('Network').selectOption({ label: 'Riverside North Primary Care Network' });
      await page.getByRole('button', { name: 'Show figures' }).click();
      await page.waitForURL(/network=/);
      const link = page.getByRole('link', { name: 'Download “Key figures” (CSV)' });
      const href = await link.getAttribute('href');
      assert.match(href, /^\/reports\/summary\.csv\?.*network=/);
      const csv = await context.request.get(`${baseUrl()}${href}`);
      assert.equal(csv.status(), 200);
      assert.match(await csv.text(), /^Figure,Value\nReferrals received,\d+\n/);
      await assertNoAxeViolations(page, 'the reports dashboard for one network');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
