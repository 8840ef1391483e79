// Browser tests for the directory manager's feeds: registering one (bad
// input refused and kept), having it read at once by the running server
// over real HTTP (the server's own Open Referral UK API stands in for a
// council's feed), and the reading's report — each page checked by axe.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoAxeViolations,
  baseUrl,
  collectPageErrors,
  newContext,
  signInToHome,
  urlPath,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

// Due feeds are looked for every second, so "Read it now" is soon done.
useTestServer({ env: { LINKWORK_DIRECTORY__FEED_CHECK_SECONDS: '1' } });

describe('directory feeds', () => {
  it('a directory manager registers a feed, reads it now and reads its report', async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.directoryManager);
      await page.getByRole('link', { name: 'Directory feeds' }).click();
      await page.getByRole('heading', { level: 1, name: 'Directory feeds' }).waitFor();
      await page.getByText('No feeds are registered yet.').waitFor();
      await assertNoAxeViolations(page, 'the feeds page');

      await page.getByLabel('Name').fill('Riverside Council');
      await page.getByLabel('Web address').fill('riverside council');
      await page.getByRole('button', { name: 'Register feed' }).click();
      await page.locator('.nhsuk-error-summary').waitFor();
      assert.equal(await page.getByLabel('Name').inputValue(), 'Riverside Council', 'what was typed is kept');
      await assertNoAxeViolations(page, 'the feeds page with an error');

      await page.getByLabel('Web address').fill(`${baseUrl()}/api/oruk`);
      await page.getByLabel('How often to read it').selectOption({ label: 'Every night' });
      await page.getByRole('button', { name: 'Register feed' }).click();
      await page.getByRole('heading', { level: 1, name: 'Riverside Council' }).waitFor();
      await page.getByText('Not read yet.').waitFor();
      await assertNoAxeViolations(page, 'a feed page');

      await page.getByRole('button', { name: 'Read it now' }).click();
      await page.getByText('The feed will be read within a minute').waitFor();
      // The server reads it within seconds; reload until the reading shows.
      const reading = page.locator('table a[href*="/runs/"]').first();
      for (let tries = 0; tries < 60 && (await reading.count()) === 0; tries++) {
        await page.waitForTimeout(1000);
        await page.reload();
      }
      assert.equal(await reading.count(), 1, 'the feed was read');
      await reading.click();
      await page.getByRole('heading', { level: 1, name: /Reading of/ }).waitFor();
      assert.match(urlPath(page), /^\/directory\/feeds\/[^/]+\/runs\/[^/]+$/);
      // Every published listing came over HTTP from the feed.
      const created = await page.getByRole('heading', { level: 2, name: /^New \(\d+\)$/ }).textContent();
      assert.ok(Number(created.match(/\d+/)[0]) > 10, created);
      await assertNoAxeViolations(page, 'a feed reading');
      // The refused registration is answered 422, which the console notes.
      const unexpected = errors.filter((e) => !/status of 422 .*\/directory\/feeds\)$/.test(e));
      assert.deepEqual(unexpected, [], 'no other console errors or CSP violations');
    } finally {
      await context.close();
    }
  });
});
