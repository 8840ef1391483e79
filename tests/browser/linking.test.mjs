// Linking in a browser, with a real mail server: the link worker finds
// support that fits (and sees why), emails the person a shortlist, and
// refers them onward to a community partner; the partner answers from the
// links in their email without signing in ("accepted", then "started");
// the person's record then shows the intervention received, and a used
// link is refused. axe-core (WCAG 2.2 A/AA) on every page.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  acceptForTheLinkWorker,
  assertNoAxeViolations,
  collectPageErrors,
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

const PERSON = { given: 'Rosalind', family: 'Thackeray' };
const FULL_NAME = `${PERSON.given} ${PERSON.family}`;
const EMAIL = 'rosalind.thackeray@example.org';
const PARTNER = 'Riverside Befrienders';
const STARTED = 'They came: record that they started';

/** A referral for loneliness from the hospital, with an email address. */
function referral() {
  return sendHospitalReferral({
    ...PERSON,
    reference: 'BT-LINKING-1',
    nhsNumber: '9434765838',
    birthDate: '1951-03-14',
    telecom: { system: 'email', value: EMAIL },
    line: '9 Weir Road',
  });
}

/** The answer links in a partner's email, by what each answers. */
function answerLinks(text) {
  const links = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^- (.+): (http\S+\/answer\/\S+)$/);
    if (m) links[m[1]] = new URL(m[2]).pathname;
  }
  return links;
}

describe('linking', () => {
  it('finds support, sends a shortlist and a referral, and hears back from the partner by email', async () => {
    const id = await referral();
    await acceptForTheLinkWorker(id);

    const context = await newContext({ axe: true });
    let links;
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.linkWorker);
      await page.goto(`/referrals/${id}`);
      await page.getByRole('heading', { level: 1, name: FULL_NAME }).waitFor();
      await page
        .getByRole('navigation', { name: "This person's case" })
        .getByRole('link', { name: 'Support and services' })
        .click();
      await page.getByRole('button', { name: `Find support for ${FULL_NAME}` }).click();
      await page.waitForURL(/\/find-support/);
      await screenshot(page, 'linking-find-support.png');
      await assertNoAxeViolations(page, 'find support');
      const cards = page.locator('main .nhsuk-card');
      assert.ok((await cards.count()) > 0, 'suggestions are shown');
      const first = await cards.first().innerText();
      assert.match(first, /Why it fits/, 'each suggestion says why it fits');
      assert.match(first, /loneliness|Loneliness/i, 'a reason names the need referred for');

      // Two services on a shortlist, emailed to her.
      const befrienders = cards.filter({ hasText: PARTNER }).first();
      await befrienders.waitFor();
      const partnerService = await befrienders.getByRole('heading', { level: 3 }).innerText();
      await befrienders.getByText('Add to a shortlist').click();
      const other = cards.filter({ hasNotText: PARTNER }).first();
      const otherService = await other.getByRole('heading', { level: 3 }).innerText();
      await other.getByText('Add to a shortlist').click();
      await page.getByRole('button', { name: 'Make a shortlist of the ones ticked' }).click();
      await page.getByRole('button', { name: 'Make the shortlist' }).waitFor();
      await assertNoAxeViolations(page, 'the new shortlist');
      await page.getByLabel('A note for them (optional)').fill('Try the befriending one first.');
      await page.getByRole('radio', { name: 'Email it' }).check();
      await page.getByRole('button', { name: 'Make the shortlist' }).click();
      await page.getByText(partnerService).first().waitFor();
      await assertNoAxeViolations(page, 'the shortlist');

      const shortlist = readEmail(await waitForEmail(`To: ${EMAIL}`));
      assert.ok(shortlist.body.includes(partnerService), shortlist.body);
      assert.ok(shortlist.body.includes(otherService), shortlist.body);
      assert.ok(shortlist.body.includes('Try the befriending one first.'));
      assert.ok(!shortlist.body.includes('Lives alone'), 'no case notes in a shortlist');

      // Refer her onward to the befrienders, who use Linkwork.
      await page.goto(`/referrals/${id}/find-support`);
      await cards
        .filter({ hasText: PARTNER })
        .first()
        .getByRole('button', { name: `Refer to ${partnerService}` })
        .click();
      await page.getByRole('button', { name: 'Send the referral' }).waitFor();
      await assertNoAxeViolations(page, 'the onward referral form');
      await page.getByRole('checkbox', { name: 'Name and contact details' }).check();
      await page.getByRole('radio').first().check();
      await page.getByLabel('A message to the service (optional)').fill('Mornings are best for her.');
      await page.getByLabel(`${FULL_NAME} agrees to share what is ticked with ${PARTNER}`).check();
      await page.getByRole('button', { name: 'Send the referral' }).click();
      await page.getByText(`Sent to ${partnerService}`).first().waitFor();
      await assertNoAxeViolations(page, 'support and services');
      assert.deepEqual(errors, []);

      const toPartner = readEmail(await waitForEmail(`To: ${DEMO_USERS.partner.email}`));
      assert.ok(!toPartner.body.includes('Mornings are best'), 'what was shared stays in the inbox');
      links = answerLinks(toPartner.body);
      assert.ok(links.Accept && links[STARTED], JSON.stringify(links));
    } finally {
      await context.close();
    }

    // The partner answers from the email, without signing in.
    const partner = await newContext({ axe: true });
    try {
      const page = await partner.newPage();
      await page.goto(links.Accept);
      await assertNoAxeViolations(page, 'an answer link');
      const shown = await page.locator('main').innerText();
      assert.ok(!shown.includes(PERSON.family), 'an answer link shows no one’s name');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();
      await assertNoAxeViolations(page, 'an answer recorded');
      await page.goto(links[STARTED]);
      await page.getByLabel('Anything the link worker should know (optional)').fill('Came to the Tuesday group.');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { level: 1, name: 'Thank you' }).waitFor();

      // A link works once.
      const again = await page.goto(links[STARTED]);
      assert.equal(again.status(), 410);
      await page.getByRole('heading', { level: 1, name: 'This link cannot be used' }).waitFor();
      await assertNoAxeViolations(page, 'a used link');
    } finally {
      await partner.close();
    }

    // The link worker sees the intervention received.
    const back = await newContext();
    try {
      const page = await back.newPage();
      await signInToHome(page, DEMO_USERS.linkWorker);
      await page.goto(`/referrals/${id}`);
      await page.getByRole('link', { name: FULL_NAME }).first().click();
      await page.getByText('Intervention received').first().waitFor();
      const person = await page.locator('main').innerText();
      assert.match(person, /first attended a linked service on/);
      await page.goto(`/referrals/${id}/support`);
      const support = await page.locator('main').innerText();
      assert.match(support, /Came to the Tuesday group\./);
    } finally {
      await back.close();
    }

    // The administrator sees what was sent in the outbox.
    const admin = await newContext({ axe: true });
    try {
      const page = await admin.newPage();
      await signInToHome(page, DEMO_USERS.admin);
      await page.getByRole('link', { name: 'Outbox' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Outbox' }).waitFor();
      await assertNoAxeViolations(page, 'the outbox');
      const row = page.locator('tr', { hasText: EMAIL }).first();
      assert.match(await row.innerText(), /Sent/);
      await row.getByRole('link').click();
      await page.getByText('Try the befriending one first.').waitFor();
      await assertNoAxeViolations(page, 'a message in the outbox');
    } finally {
      await admin.close();
    }
  });
});
