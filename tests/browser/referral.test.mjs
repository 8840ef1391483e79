// The referral journey in a browser: a public self-referral, the waiting
// list, accepting it, assigning a link worker and finding the person on
// their caseload, with axe-core (WCAG 2.2 A/AA) on every page it passes
// through. Also the public form without JavaScript.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoAxeViolations,
  collectPageErrors,
  fillSelfReferral,
  findOnList,
  newContext,
  screenshot,
  signInToHome,
  urlPath,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

useTestServer();

// A name no demo person has, so the walk can find its own referral.
const PERSON = { given: 'Philippa', family: 'Quennell-Ashworth' };
const FULL_NAME = `${PERSON.given} ${PERSON.family}`;

describe('the referral journey', () => {
  it('public self-referral → waiting list → accept → assign → caseload, accessible throughout', async () => {
    const publicContext = await newContext({ axe: true });
    let reference;
    try {
      const page = await publicContext.newPage();
      const response = await page.goto('/refer');
      assert.equal(response.status(), 200);
      await page.getByRole('heading', { level: 1, name: /Refer yourself or someone you know/ }).waitFor();
      await assertNoAxeViolations(page, 'the public referral form');

      // Sent empty, the form explains every problem, accessibly.
      await page.getByRole('button', { name: 'Send referral' }).click();
      await page.locator('.nhsuk-error-summary').waitFor();
      assert.match(await page.title(), /^Error: /);
      await assertNoAxeViolations(page, 'the public referral form with errors');

      await fillSelfReferral(page, PERSON);
      await screenshot(page, 'refer-filled.png');
      await page.getByRole('button', { name: 'Send referral' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/refer/confirmation/'));
      await page.getByRole('heading', { level: 1, name: 'Referral sent' }).waitFor();
      reference = (await page.locator('.lw-reference').innerText()).trim();
      assert.match(reference, /^RF-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
      await assertNoAxeViolations(page, 'the referral confirmation');
    } finally {
      await publicContext.close();
    }

    // The team lead triages it from the waiting list.
    const leadContext = await newContext({ axe: true });
    try {
      const page = await leadContext.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.teamLead);
      await page.getByRole('link', { name: 'Waiting list', exact: true }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Waiting list' }).waitFor();
      await assertNoAxeViolations(page, 'the waiting list');
      await page.getByLabel('Show').selectOption('new');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL((url) => url.searchParams.get('stage') === 'new');
      const row = await findOnList(page, FULL_NAME);
      await row.click();
      await page.getByRole('heading', { level: 1, name: FULL_NAME }).waitFor();
      assert.ok((await page.locator('main').innerText()).includes(reference), 'the referral page shows the reference');
      assert.ok((await page.locator('main').innerText()).includes('Self-referral'));
      await screenshot(page, 'referral.png');
      await assertNoAxeViolations(page, 'the referral page');

      // Accept, assigning later.
      await page.getByRole('button', { name: 'Accept', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Accept the referral' }).waitFor();
      await assertNoAxeViolations(page, 'the accept form');
      await page.getByRole('button', { name: 'Accept referral' }).click();
      await page.getByText('Referral accepted onto the waiting list.').waitFor();
      assert.ok((await page.locator('main').innerText()).includes('Not assigned'));

      // Then assign Samuel.
      await page.getByRole('button', { name: 'Assign a link worker' }).click();
      await page.getByLabel('Link worker').selectOption({ label: DEMO_USERS.linkWorker.name });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText(`Assigned to ${DEMO_USERS.linkWorker.name}.`).waitFor();
      const history = await page.getByRole('table', { name: /What has happened/ }).innerText();
      assert.match(history, /Assigned to Samuel Okafor/);
      assert.match(history, /Accepted onto the waiting list/);
      assert.match(history, /Self-referral received from Philippa Quennell-Ashworth/);

      // The person's record.
      await page.getByRole('link', { name: FULL_NAME, exact: true }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/people/'));
      await page.getByRole('heading', { level: 1, name: FULL_NAME }).waitFor();
      await assertNoAxeViolations(page, 'the person page');
      assert.deepEqual(errors, [], 'no console errors or CSP violations expected');
    } finally {
      await leadContext.close();
    }

    // Samuel finds them on his caseload.
    const workerContext = await newContext({ axe: true });
    try {
      const page = await workerContext.newPage();
      await signInToHome(page, DEMO_USERS.linkWorker);
      await page.getByRole('link', { name: 'Caseload', exact: true }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Your caseload' }).waitFor();
      const row = await findOnList(page, FULL_NAME);
      assert.ok(await row.isVisible());
      await screenshot(page, 'caseload.png');
      await assertNoAxeViolations(page, 'the caseload');
      await row.click();
      assert.match(urlPath(page), /^\/referrals\//);
      await page.getByRole('heading', { level: 1, name: FULL_NAME }).waitFor();
    } finally {
      await workerContext.close();
    }
  });
});

describe('without JavaScript', () => {
  it('someone can refer themselves and get a reference', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto('/refer');
      await fillSelfReferral(page, { given: 'Nojs', family: 'Example' });
      await page.getByRole('button', { name: 'Send referral' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/refer/confirmation/'));
      assert.match(await page.locator('.lw-reference').innerText(), /^RF-/);
    } finally {
      await context.close();
    }
  });
});
