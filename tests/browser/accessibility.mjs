// Accessibility checks for the console's browser test, kept out of
// console_test.mjs so that it only calls them:
//   await checkAccessibility(page, 'due-and-overdue');   axe-core, WCAG 2.0/2.1 A and AA
//   await keyboardOnlyToACase(page, { url, username, password, code, caseId });
// Each throws, saying what failed, so the test stops there like its other
// assertions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// axe-core (MPL-2.0, pinned in package-lock.json), as the browser runs it.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The rules of WCAG 2.0 and 2.1, levels A and AA: what public-sector sites
// in the UK must meet (the 2018 accessibility regulations).
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Runs axe-core on the page as it is now; throws listing every violation
// (rule, impact, what it asks, and the selector of each element that breaks
// it). `name` says which page, in the message.
export async function checkAccessibility(page, name) {
  // Evaluated through the DevTools protocol, which the console's
  // Content-Security-Policy (no inline script) does not govern; a <script>
  // tag added to the page would be refused by it.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  }, wcagTags);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n    ${v.targets.join('\n    ')}`);
  throw new Error(`${name}: ${violations.length} accessibility violation(s) of ${wcagTags.join(', ')}:\n${lines.join('\n')}`);
}

// Presses Tab (at most `limit` times) until the focused element is the one
// `wanted` (run in the page on document.activeElement) accepts, and checks
// that it shows where the focus is.
async function tabTo(page, description, wanted, limit = 40) {
  for (let i = 0; i < limit; ++i) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(wanted);
    if (!focused) continue;
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    });
    assert.ok(outline, `${description} has the focus but shows no outline`);
    return;
  }
  throw new Error(`${limit} presses of Tab did not reach ${description}`);
}

// Signs in and opens a case from the Due and overdue list with the keyboard
// alone (Tab, typing, Enter), as someone who cannot use a mouse does.
export async function keyboardOnlyToACase(page, { url, username, password, code, caseId }) {
  await page.goto(url);
  await page.getByLabel('Username').waitFor();
  assert.equal(await page.getByRole('navigation').count(), 0, 'signed out, the pages\' links show');
  await tabTo(page, 'the username', () => document.activeElement.id === 'username');
  await page.keyboard.type(username);
  await tabTo(page, 'the password', () => document.activeElement.id === 'password', 1);
  await page.keyboard.type(password);
  await tabTo(page, 'the code', () => document.activeElement.id === 'code', 1);
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Due and overdue' }).waitFor();
  await page.locator('tbody tr a').first().waitFor();
  await tabTo(page, `the case ${caseId}'s link`,
    `document.activeElement.matches('a[href="#/case/${caseId}"]')`);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'What happened' }).waitFor();
  assert.ok(page.url().includes(caseId), `Enter on the case's link opened ${page.url()}`);
}
