// The console in a real browser: Debian's chromium driven by playwright-core.
// console_browser_test.cc runs a real hub (MariaDB, a fake clock, real
// submissions) and calls this script twice:
//   node console_test.mjs before   sign in, see an overdue action, open its case (and who
//                                  accessed it),
//                                  a forged cross-site request refused, a school's
//                                  member of staff refused, an operator requeues a dead
//                                  letter with a reason; sign in and open a case with
//                                  the keyboard alone; keeps a session to expire
//   node console_test.mjs after    (the hub's clock moved on) that session must sign in again
// Settings come from the environment (see `need`). Each page's screenshot is
// saved under SCREENSHOTS, and each page is checked with axe-core
// (accessibility.mjs). Exits non-zero, saying what failed, on the first
// failure.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { checkAccessibility, keyboardOnlyToACase } from './accessibility.mjs';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const url = need('CONSOLE_URL');
const shots = need('SCREENSHOTS');
const stateFile = need('STATE_FILE');
const phase = process.argv[2];
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
  headless: true,
  args: ['--no-sandbox'],
});

// The test PKI's CA is not the browser's: accept the hub's certificate.
async function newContext(options = {}) {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 }, ...options });
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function signIn(page, username, code) {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(need('PASSWORD'));
  await page.getByLabel('Code from your authenticator app').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function noSidewaysScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
}

try {
  if (phase === 'before') {
    // The Duty CPM signs in and sees the overdue action a real submission made.
    const cpm = await newContext();
    const page = await cpm.newPage();
    await page.goto(url);
    await page.getByLabel('Username').waitFor();
    await shot(page, 'sign-in');
    await checkAccessibility(page, 'sign-in');
    await signIn(page, 'duty.cpm', need('CPM_CODE'));
    await page.getByRole('heading', { name: 'Due and overdue' }).waitFor();
    const overdueRow = page.locator('tbody tr', { hasText: 'Overdue' }).filter({ hasText: need('OVERDUE_ACTION_WORDS') });
    await overdueRow.first().waitFor();
    assert.match(await overdueRow.first().innerText(), /working days? overdue|due today/);
    await noSidewaysScroll(page);
    await shot(page, 'due-and-overdue');
    await checkAccessibility(page, 'due-and-overdue');

    // Each action's chair; the owner's role asked of the hub (the IRO
    // notification is a social worker's).
    await page.getByRole('columnheader', { name: 'Chair' }).waitFor();
    const ownerRole = page.getByLabel('Owner\u2019s role');
    const ownerAsked = (role) => page.waitForResponse((r) => r.url().includes('/api/v1/open-actions') &&
      (role ? r.url().includes(`owner=${role}`) : !r.url().includes('owner=')));
    let asked = ownerAsked('PRACTITIONER_ROLE_IRO');
    await ownerRole.selectOption('PRACTITIONER_ROLE_IRO');
    await asked;
    await overdueRow.first().waitFor({ state: 'detached' });
    asked = ownerAsked('PRACTITIONER_ROLE_SOCIAL_WORKER');
    await ownerRole.selectOption('PRACTITIONER_ROLE_SOCIAL_WORKER');
    await asked;
    await overdueRow.first().waitFor();
    for (const owner of await page.locator('tbody td[data-label="Owner"]').allInnerTexts()) {
      assert.match(owner, /social worker/, 'the owner filter let another role through');
    }
    asked = ownerAsked('');
    await ownerRole.selectOption('');
    await asked;

    // Keyboard only: the filters and the case link are reachable by Tab.
    await page.getByLabel('Status').selectOption('ACTION_STATUS_OVERDUE');
    assert.ok((await page.locator('tbody tr').count()) >= 1, 'filtering by Overdue hid the overdue action');

    // Its case: what happened, beside the actions and deadlines.
    await overdueRow.first().getByRole('link', { name: 'Open case' }).click();
    await page.getByRole('heading', { name: 'What happened' }).waitFor();
    await page.getByRole('heading', { name: 'Actions and deadlines' }).waitFor();
    assert.ok(page.url().includes(need('CASE_ID')), `the case page is ${page.url()}`);
    await page.getByRole('heading', { name: 'Who has read it' }).waitFor();
    await page.locator('tr', { hasText: 'duty.cpm' }).first().waitFor();
    // The CPM service sees who accessed the record, from the audit chain:
    // Children's Social Care's system read it.
    await page.getByRole('heading', { name: 'Who accessed the record' }).waitFor();
    await page.locator('#accesses tr', { hasText: 'derby-csc' }).filter({ hasText: 'read the case' }).first().waitFor();
    await shot(page, 'case');
    await checkAccessibility(page, 'case');

    // On a phone: nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}#/due`);
    await page.getByRole('heading', { name: 'Due and overdue' }).waitFor();
    await noSidewaysScroll(page);
    await shot(page, 'due-and-overdue-phone');
    await checkAccessibility(page, 'due-and-overdue-phone');

    // A forged cross-site request: the browser sends the session cookie, but
    // not from the console's origin, or without the session's CSRF token.
    const forged = await cpm.request.delete(`${url}api/v1/session`, { headers: { Origin: 'https://attacker.example' } });
    assert.equal(forged.status(), 403, 'a change from another origin was not refused');
    const noToken = await cpm.request.delete(`${url}api/v1/session`, { headers: { Origin: new URL(url).origin } });
    assert.equal(noToken.status(), 403, 'a change without the CSRF token was not refused');
    assert.match((await noToken.json()).message, /X-CSRF-Token/);
    const still = await cpm.request.get(`${url}api/v1/session`);
    assert.equal(still.status(), 200, 'the forged requests ended the session');

    // A school's member of staff may not see the CPM's views.
    const school = await newContext();
    const schoolPage = await school.newPage();
    await signIn(schoolPage, 'school.staff', need('SCHOOL_CODE'));
    await schoolPage.getByRole('alert').filter({ hasText: 'may not call ListOpenActions' }).waitFor();
    await shot(schoolPage, 'school-refused');
    await checkAccessibility(schoolPage, 'school-refused');

    // An operator requeues a dead letter, giving a reason.
    const ops = await newContext();
    const opsPage = await ops.newPage();
    await signIn(opsPage, 'hub.operator', need('OPERATOR_CODE'));
    await opsPage.getByRole('heading', { name: 'Dead letters' }).waitFor();
    await opsPage.getByLabel(`delivery ${need('DEAD_DELIVERY_ID')}`).check();
    // Each agency: when last seen, and its open inbox streams.
    const connected = opsPage.locator('tbody tr', { hasText: need('CONNECTED_AGENCY') });
    assert.equal(await connected.locator('td[data-label="Open streams"]').innerText(), '1');
    assert.match(await connected.locator('td[data-label="Last seen"]').innerText(), /^less than a minute ago\n/);
    const neverSeen = opsPage.locator('tbody tr', { hasText: need('NEVER_SEEN_AGENCY') });
    assert.equal(await neverSeen.locator('td[data-label="Last seen"]').innerText(), 'never');
    await shot(opsPage, 'deliveries');
    await checkAccessibility(opsPage, 'deliveries');
    await opsPage.getByLabel(/^Reason for requeueing/).fill(need('REQUEUE_REASON'));
    await opsPage.getByRole('button', { name: 'Requeue the chosen deliveries' }).click();
    await opsPage.getByText('Requeued 1.').waitFor();

    // The record: the chain's state, verified now.
    await opsPage.getByRole('link', { name: 'Record' }).click();
    await opsPage.getByRole('heading', { name: 'Last verification' }).waitFor();
    await opsPage.getByRole('button', { name: 'Verify now' }).click();
    await opsPage.getByText('Verified just now.').waitFor();
    assert.match(await opsPage.locator('main').innerText(), /Intact up to row \d+, verified .* by hub\.operator/);
    // Retention: each class against its policy.
    await opsPage.getByRole('heading', { name: 'Retention' }).waitFor();
    const retention = await opsPage.locator('#retention').innerText();
    assert.match(retention, /case, child protection plan\s+35 years after the last contact/);
    assert.match(retention, /message payload\s+1 year after its deliveries are settled/);
    await shot(opsPage, 'record');
    await checkAccessibility(opsPage, 'record');
    await opsPage.setViewportSize({ width: 390, height: 844 });
    await noSidewaysScroll(opsPage);
    await checkAccessibility(opsPage, 'record-phone');

    // Keyboard only: sign in and open a case with Tab and Enter.
    const keys = await (await newContext()).newPage();
    await keyboardOnlyToACase(keys, { url, username: 'keyboard.cpm', password: need('PASSWORD'),
                                      code: need('KEYBOARD_CODE'), caseId: need('CASE_ID') });

    // A session that will be idle too long when the hub's clock moves on.
    const stale = await newContext();
    const stalePage = await stale.newPage();
    await signIn(stalePage, 'stale.user', need('STALE_CODE'));
    await stalePage.getByRole('heading', { name: 'Due and overdue' }).waitFor();
    await stale.storageState({ path: stateFile });
  } else if (phase === 'after') {
    const stale = await newContext({ storageState: stateFile });
    const page = await stale.newPage();
    await page.goto(`${url}#/due`);
    await page.getByRole('alert').filter({ hasText: 'sign in again' }).waitFor();
    await page.getByLabel('Username').waitFor();
    await shot(page, 'session-expired');
    await checkAccessibility(page, 'session-expired');
  } else {
    throw new Error(`unknown phase ${phase}: before or after`);
  }
  await browser.close();
  console.log(`console_test ${phase}: passed`);
} catch (error) {
  console.error(`console_test ${phase}: ${error.stack || error}`);
  await browser.close();
  process.exit(1);
}
