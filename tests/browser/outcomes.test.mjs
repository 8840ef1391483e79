// Outcome measures in a browser: the link worker records a baseline
// questionnaire with the person on their device, emails them a link for a
// review, and the person answers on their phone with JavaScript off; the
// link then refuses a second use; the case shows the change since
// baseline as a chart and a table; the commissioner reads the cohort
// evidence. The questionnaires and a response are saved as FHIR for the
// R4 check in CI; her team lead produces her subject access export.
// axe-core (WCAG 2.2 A/AA) on every page.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  acceptForTheLinkWorker,
  PHONE,
  RESULTS_DIR,
  assertNoAxeViolations,
  collectPageErrors,
  fhir,
  newContext,
  readEmail,
  screenshot,
  signInToHome,
  sendHospitalReferral,
  useTestServer,
  waitForEmail,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

useTestServer({ mail: true });

const PERSON = { given: 'Winifred', family: 'Ashdown' };
const FULL_NAME = `${PERSON.given} ${PERSON.family}`;
const EMAIL = 'winifred.ashdown@example.org';

/** A referral for loneliness from the hospital, with an email address. */
function referral() {
  return sendHospitalReferral({
    ...PERSON,
    reference: 'BT-OUTCOMES-1',
    nhsNumber: '9434765862',
    birthDate: '1946-11-02',
    telecom: { system: 'email', value: EMAIL },
    line: '3 Mill Lane',
  });
}

/** Picks an answer to each question, by its label, in order. */
async function answer(page, labels) {
  const groups = page.locator('main fieldset').filter({ has: page.locator('input[name^="q"]') });
  for (let i = 0; i < labels.length; i += 1) {
    await groups.nth(i).getByRole('radio', { name: labels[i], exact: true }).check();
  }
}

describe('outcome measures', () => {
  it('records a baseline, sends a link the person answers on their phone, and shows the change', async () => {
    const id = await referral();
    await acceptForTheLinkWorker(id);

    const worker = await newContext({ axe: true });
    let link;
    try {
      const page = await worker.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.linkWorker);
      await page.goto(`/referrals/${id}`);
      await page
        .getByRole('navigation', { name: "This person's case" })
        .getByRole('link', { name: 'Outcomes' })
        .click();
      await page.getByRole('heading', { level: 1, name: `Outcomes for ${FULL_NAME}` }).waitFor();
      await assertNoAxeViolations(page, 'outcomes, none yet');

      await page.getByLabel('Questionnaire').first().selectOption({ label: 'UCLA 3-item loneliness scale' });
      await page.getByRole('button', { name: 'Start the questionnaire' }).click();
      await page.getByRole('button', { name: 'Save the questionnaire' }).waitFor();
      await assertNoAxeViolations(page, 'a questionnaire');
      await page.getByRole('radio', { name: 'At the start (baseline)' }).check();
      await answer(page, ['Often', 'Often', 'Some of the time']);
      await page.getByRole('button', { name: 'Save the questionnaire' }).click();
      await page.getByText('The questionnaire has been saved and scored.').waitFor();

      // A link by email, for the review.
      const form = page.locator('form[action$="/outcomes/link"]');
      await form.getByLabel('Questionnaire').selectOption({ label: 'UCLA 3-item loneliness scale' });
      await form.getByRole('radio', { name: 'At a review' }).check();
      await form.getByRole('radio', { name: /By email/ }).check();
      await form.getByRole('button', { name: 'Make the link' }).click();
      await page.getByText('The link has been sent by email').waitFor();
      await assertNoAxeViolations(page, 'a questionnaire link made');
      assert.deepEqual(errors, []);
    } finally {
      await worker.close();
    }

    const email = readEmail(await waitForEmail(`To: ${EMAIL}`));
    assert.ok(!email.body.includes(PERSON.family), 'the email names only her first name');
    const found = email.body.match(/http\S+\/q\/\S+/);
    assert.ok(found, email.body);
    link = new URL(found[0]).pathname;

    // On her phone: axe on the questions, then answered with JavaScript off.
    const phone = await newContext({ axe: true, viewport: PHONE });
    const plain = await newContext({ viewport: PHONE, javaScriptEnabled: false });
    try {
      const look = await phone.newPage();
      await look.goto(link);
      await look.getByRole('button', { name: 'Send my answers' }).waitFor();
      const shown = await look.locator('main').innerText();
      assert.ok(!shown.includes(PERSON.family) && !shown.includes(PERSON.given), 'no name on the page');
      await screenshot(look, 'outcomes-phone-questionnaire.png');
      await assertNoAxeViolations(look, 'the questionnaire on a phone');

      const page = await plain.newPage();
      await page.goto(link);
      await answer(page, ['Some of the time', 'Hardly ever or never', 'Some of the time']);
      await page.getByRole('button', { name: 'Send my answers' }).click();
      await page.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();

      const again = await look.goto(link);
      assert.equal(again.status(), 410);
      await look.getByText('already been filled in').waitFor();
      await assertNoAxeViolations(look, 'a used questionnaire link');
    } finally {
      await phone.close();
      await plain.close();
    }

    // Back on the case: the change since baseline, as a chart and a table.
    const back = await newContext({ axe: true });
    try {
      const page = await back.newPage();
      await signInToHome(page, DEMO_USERS.linkWorker);
      await page.goto(`/referrals/${id}/outcomes`);
      await page.getByText('Down 3 since baseline (8 to 5): better').waitFor();
      const chart = page.getByRole('img', { name: 'UCLA 3-item loneliness scale: Loneliness' });
      await chart.waitFor();
      const table = page.getByRole('table', { name: 'Loneliness: the numbers in the chart' });
      assert.match(await table.innerText(), /At the start \(baseline\)\s+8/);
      await screenshot(page, 'outcomes-case.png');
      await assertNoAxeViolations(page, 'outcomes with a chart');
    } finally {
      await back.close();
    }

    const commissioner = await newContext({ axe: true });
    try {
      const page = await commissioner.newPage();
      await signInToHome(page, DEMO_USERS.commissioner);
      await page.goto('/reports/outcomes');
      await page.getByRole('heading', { level: 1, name: 'Outcome evidence' }).waitFor();
      const table = page.getByRole('table', { name: 'Change from baseline to follow-up' });
      assert.match(await table.innerText(), /UCLA 3-item loneliness scale: Loneliness/);
      await page.getByText('How this is counted').click();
      await page.getByText(/Student's t distribution/).waitFor();
      await screenshot(page, 'outcomes-evidence.png');
      await assertNoAxeViolations(page, 'the outcome evidence');
    } finally {
      await commissioner.close();
    }

    // Her subject access request: everything held, questionnaires included.
    const access = await newContext({ axe: true });
    try {
      const page = await access.newPage();
      await signInToHome(page, DEMO_USERS.teamLead);
      await page.goto(`/referrals/${id}/outcomes`);
      await page.getByRole('link', { name: `${FULL_NAME}'s record` }).first().click();
      await page.getByRole('link', { name: /Everything held about them/ }).click();
      await page.getByRole('heading', { level: 1, name: `Everything held about ${FULL_NAME}` }).waitFor();
      const text = await page.locator('main').innerText();
      assert.match(text, /Loneliness 8 \(Often lonely\)/);
      assert.match(text, /Who has read or changed their record/);
      await assertNoAxeViolations(page, 'a subject access export');
    } finally {
      await access.close();
    }

    // The same measures as FHIR, saved for the R4 check in CI.
    const questionnaires = await fhir('GET', 'Questionnaire');
    assert.equal(questionnaires.status, 200);
    await writeFile(path.join(RESULTS_DIR, 'questionnaires.json'), JSON.stringify(questionnaires.body, null, 2));
    const responses = await fhir('GET', `QuestionnaireResponse?based-on=ServiceRequest/${id}`);
    assert.equal(responses.status, 200);
    assert.equal(responses.body.total, 2);
    await writeFile(
      path.join(RESULTS_DIR, 'questionnaire-responses.json'),
      JSON.stringify(responses.body, null, 2),
    );
  });
});
