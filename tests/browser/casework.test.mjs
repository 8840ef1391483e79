// The link worker's casework in a browser, from a hospital's FHIR referral
// to the summary the hospital fetches back: accept → first contact (the
// waiting clock stops) → what matters → a plan with two goals → a review
// falls due on the home page → review → discharge → the GP summary, as a
// page and as a FHIR document. axe-core (WCAG 2.2 A/AA) on every page; the
// plan's print view has no navigation. The document is saved for CI to
// validate as FHIR R4 (tests/fhir/validate.py).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  acceptForTheLinkWorker,
  RESULTS_DIR,
  assertNoAxeViolations,
  collectPageErrors,
  fhir,
  hospitalReferral,
  newContext,
  screenshot,
  signInToHome,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

useTestServer();

const PERSON = { given: 'Winifred', family: 'Ashdown-Pryce' };
const FULL_NAME = `${PERSON.given} ${PERSON.family}`;

/** The person as the hospital's system refers them. */
const REFERRED = {
  ...PERSON,
  reference: 'BT-CASEWORK-1',
  nhsNumber: '9434765919',
  gender: 'female',
  birthDate: '1944-05-02',
  telecom: { system: 'phone', value: '07700 900 321' },
  line: '3 Weir Road',
  note: 'Lives alone since a fall; family far away.',
};

/** A date's three boxes in the group labelled `legend`. */
async function fillDate(page, legend, date) {
  const group = page.getByRole('group', { name: legend, exact: true });
  await group.getByLabel('Day').fill(String(date.getDate()));
  await group.getByLabel('Month').fill(String(date.getMonth() + 1));
  await group.getByLabel('Year').fill(String(date.getFullYear()));
}

describe('casework', () => {
  it('a FHIR referral is worked from first contact to a discharge summary the referrer fetches', async () => {
    const created = await fhir('POST', 'ServiceRequest', hospitalReferral(REFERRED));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;

    // The team lead accepts it for Samuel.
    await acceptForTheLinkWorker(id);

    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.linkWorker);
      const home = await page.locator('main').innerText();
      assert.ok(home.includes(FULL_NAME), 'a new assignment on the home page');
      await page.getByRole('link', { name: FULL_NAME }).first().click();
      await page.getByRole('heading', { level: 1, name: FULL_NAME }).waitFor();

      // First contact, yesterday: support starts and the wait ends.
      await page.getByRole('navigation', { name: "This person's case" }).getByRole('link', { name: 'Contacts', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: `Contacts with ${FULL_NAME}` }).waitFor();
      await assertNoAxeViolations(page, 'the contacts page');
      const yesterday = new Date(Date.now() - 24 * 3600 * 1000);
      await page.getByRole('radio', { name: 'Phone call', exact: true }).check();
      await fillDate(page, 'Date', yesterday);
      await page.getByLabel('Time', { exact: true }).fill('10:30');
      await page.getByRole('radio', { name: 'Attended', exact: true }).check();
      await page.getByRole('button', { name: 'Save contact' }).click();
      await page.getByText('The contact has been recorded.').waitFor();
      assert.ok((await page.locator('main').innerText()).includes('In progress'));
      const task = await fhir('GET', `Task/${id}`);
      assert.equal(task.body.status, 'in-progress', 'the hospital sees support has started');

      // What matters, in her words.
      await page.getByRole('link', { name: 'What matters', exact: true }).click();
      await assertNoAxeViolations(page, 'the what matters form');
      await page.getByLabel('What matters to them, in their own words').fill('I want to get out and talk to people again.');
      await page.getByRole('checkbox', { name: 'Loneliness', exact: true }).check();
      await page.getByRole('checkbox', { name: 'Transport', exact: true }).check();
      await page.getByRole('group', { name: 'Tuesday', exact: true }).getByRole('checkbox', { name: 'Morning' }).check();
      await page.getByRole('button', { name: 'Save what matters' }).click();
      await page.getByText('What matters has been saved.').waitFor();
      assert.ok((await page.locator('main').innerText()).includes('Tuesday morning'));
      await assertNoAxeViolations(page, 'what matters, saved');

      // A plan with two goals.
      await page.getByRole('link', { name: 'Plan', exact: true }).click();
      for (const goal of ['Go to the Tuesday lunch club', 'Call my sister every week']) {
        await page.getByRole('button', { name: 'Add a goal' }).click();
        await page.getByRole('heading', { level: 1, name: 'Add a goal' }).waitFor();
        await assertNoAxeViolations(page, 'the goal form');
        await page.getByLabel("The goal, in the person's own words").fill(goal);
        await page.getByLabel('Step 1: what').fill('Find out the details');
        await page.getByRole('button', { name: 'Save goal' }).click();
        await page.getByText('The goal has been saved.').waitFor();
      }
      await assertNoAxeViolations(page, 'the plan');

      // Its review is due today: a task on the home page.
      await fillDate(page, 'Review date', new Date());
      await page.getByRole('button', { name: 'Save review date' }).click();
      await page.getByText('The review date has been saved.').waitFor();
      await page.goto('/');
      await page.getByText('Review the plan, due today').waitFor();
      await screenshot(page, 'home-today.png');
      await assertNoAxeViolations(page, 'the home page with today');

      // The plan to take away prints without navigation.
      await page.goto(`/referrals/${id}/plan/print`);
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('header, nav, footer').count(), 0, 'no navigation on the printed plan');
      assert.ok((await page.locator('main').innerText()).includes('Go to the Tuesday lunch club'));
      await page.emulateMedia({ media: 'screen' });
      await assertNoAxeViolations(page, 'the plan to take away');

      // The review.
      await page.goto(`/referrals/${id}/plan`);
      await page.getByLabel('What you agreed at the review').fill('Lunch club going well; sister calls on Sundays.');
      await page.getByRole('button', { name: 'Record the review' }).click();
      await page.getByText('The review has been recorded.').waitFor();

      // Discharge, with each goal's final status.
      await page.goto(`/referrals/${id}/discharge`);
      await assertNoAxeViolations(page, 'the discharge form');
      await page.getByRole('radio', { name: 'Goals met', exact: true }).check();
      await page.getByLabel('Closing summary').fill('Goes to the lunch club every week and has made friends there.');
      for (const goal of ['Go to the Tuesday lunch club', 'Call my sister every week']) {
        await page.getByRole('group', { name: goal }).getByRole('radio', { name: 'Achieved' }).check();
      }
      await page.getByRole('button', { name: 'Discharge', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Social prescribing: discharge summary' }).waitFor();
      const summary = await page.locator('main').innerText();
      for (const expected of ['871731000000106', 'Go to the Tuesday lunch club: achieved', 'Goals met']) {
        assert.ok(summary.includes(expected), `${expected} in the summary`);
      }
      await screenshot(page, 'gp-summary.png');
      await assertNoAxeViolations(page, 'the GP summary');
      assert.deepEqual(errors, [], 'no console errors or CSP violations expected');
    } finally {
      await context.close();
    }

    // The hospital fetches the summary; its Task points at it.
    const task = await fhir('GET', `Task/${id}`);
    assert.equal(task.body.status, 'completed');
    assert.equal(task.body.output[0].valueReference.reference, `Bundle/${id}`);
    const bundle = await fhir('GET', `Bundle/${id}`);
    assert.equal(bundle.status, 200);
    assert.equal(bundle.body.type, 'document');
    assert.equal(bundle.body.entry[0].resource.resourceType, 'Composition');
    await writeFile(path.join(RESULTS_DIR, 'discharge-bundle.json'), JSON.stringify(bundle.body, null, 2));
  });
});
