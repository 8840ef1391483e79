// Browser tests for the person's rights pages: a team lead restricts a
// record and sees the banner while a link worker is told it is not found,
// then lifts it; and the merge page compares two records side by side.
// Every page passes axe (WCAG 2.2 A/AA).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoAxeViolations,
  collectPageErrors,
  newContext,
  screenshot,
  signInToHome,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

useTestServer();

/** The first two records a search for `words` finds, as their addresses. */
async function findPeople(page, words) {
  await page.goto(`/people?q=${encodeURIComponent(words)}`);
  const links = page.locator('table a.nhsuk-link');
  await links.first().waitFor();
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.length >= 2, `two records for ${words}: ${hrefs}`);
  return hrefs.slice(0, 2);
}

describe('a person\'s rights', () => {
  it('a team lead restricts a record, a link worker cannot open it, and it is lifted', async () => {
    const lead = await newContext({ axe: true });
    const worker = await newContext();
    try {
      const page = await lead.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.teamLead);
      const [record] = await findPeople(page, 'Brown');

      const linkWorker = await worker.newPage();
      await signInToHome(linkWorker, DEMO_USERS.linkWorker);
      assert.equal((await linkWorker.goto(record)).status(), 200);

      await page.goto(record);
      await page.getByRole('link', { name: 'Restrict processing of their record' }).click();
      await page.getByRole('heading', { level: 1, name: /^Restrict processing of/ }).waitFor();
      // Without a reason: the error summary, and the field keeps its place.
      await page.getByRole('button', { name: 'Restrict the record' }).click();
      await page.getByRole('alert').getByText('Enter the reason').waitFor();
      await assertNoAxeViolations(page, 'the restriction form with an error');
      await page
        .getByLabel('Why is the record being restricted?')
        .fill('They contest the accuracy of their record');
      await page.getByRole('button', { name: 'Restrict the record' }).click();
      await page.getByRole('heading', { level: 2, name: 'Restricted record' }).waitFor();
      await page.getByText('Reason: They contest the accuracy of their record').waitFor();
      await screenshot(page, 'restricted-record.png');
      await assertNoAxeViolations(page, 'a restricted record');

      assert.equal((await linkWorker.goto(record)).status(), 404);

      await page.getByRole('button', { name: 'Lift the restriction' }).click();
      await page.getByText('The restriction is lifted.').waitFor();
      assert.equal((await linkWorker.goto(record)).status(), 200);
      // The form without a reason is answered 422, which Chromium logs.
      assert.deepEqual(errors.filter((e) => !e.includes('status of 422')), []);
    } finally {
      await lead.close();
      await worker.close();
    }
  });

  it('a team lead finds a duplicate and compares the two records', async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.teamLead);
      const [kept] = await findPeople(page, 'Brown');
      await page.goto(kept);
      await page.getByRole('link', { name: 'Merge a duplicate record into this one' }).click();
      await page.getByRole('heading', { level: 1, name: /^Merge a duplicate into/ }).waitFor();
      await page.getByLabel('Find the duplicate record').fill('Brown');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: /^Compare with / }).first().click();
      await page.getByRole('table', { name: 'The two records side by side' }).waitFor();
      await page.getByRole('button', { name: /^Merge .* into this one$/ }).waitFor();
      await screenshot(page, 'merge-records.png');
      await assertNoAxeViolations(page, 'two records side by side');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
