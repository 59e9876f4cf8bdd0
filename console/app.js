// The console's front end: plain ES modules, no build step, no inline
// script (the Content-Security-Policy allows none). Every page reads the
// hub's JSON API under /api/v1/ (docs/console.md), in the protobuf JSON
// mapping of the hub's own messages; enum values are shown in the words the
// hub gives (/api/v1/vocabulary), never by colour alone.

const main = document.getElementById('main');
const statusLine = document.getElementById('status');
let session = null;     // SessionResponse, while signed in
let vocabulary = {};    // enum type -> value name -> words

// --- talking to the hub ---------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrfToken;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, json.code || '', json.message || response.statusText);
  return json;
}

// --- small helpers ----------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function words(type, value) {
  if (value === undefined || value === null || value === '' || String(value).endsWith('_UNSPECIFIED')) return '';
  return (vocabulary[type] && vocabulary[type][value]) || String(value).toLowerCase().replace(/_/g, ' ');
}

function formatTime(timestamp) {
  if (!timestamp) return '';
  return new Date(timestamp).toLocaleString('en-GB', {
    timeZone: 'Europe/London', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit',
  });
}

// How long ago, in words ("3 minutes ago"); a moment in the future (the
// hub's clock a little ahead of the browser's) is less than a minute ago.
function ago(timestamp) {
  const minutes = Math.floor((Date.now() - new Date(timestamp).getTime()) / 60000);
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

// When an agency was last seen: how long ago and the time; "never" if not.
function lastSeen(timestamp) {
  if (!timestamp) return 'never';
  return [ago(timestamp), el('br'), el('time', { datetime: timestamp, class: 'hint' }, formatTime(timestamp))];
}

function countdown(days) {
  if (days === 0) return 'due today';
  if (days === 1) return 'due next working day';
  if (days > 1) return `due in ${days} working days`;
  if (days === -1) return '1 working day overdue';
  return `${-days} working days overdue`;
}

function statusBadge(status) {
  const text = words('ActionStatus', status) || 'unknown';
  const kind = status === 'ACTION_STATUS_OVERDUE' ? 'overdue' : status === 'ACTION_STATUS_DONE' ? 'done' : 'pending';
  return el('span', { class: `badge ${kind}` }, text.charAt(0).toUpperCase() + text.slice(1));
}

function say(message) { statusLine.textContent = message; }

function show(title, ...content) {
  document.title = `${title} – CRE hub console`;
  main.replaceChildren(el('h1', {}, title), ...content);
  main.focus();
}

function showError(error) {
  return el('p', { class: 'error', role: 'alert' }, error.message);
}

// --- pages ------------------------------------------------------------------

function signInPage(problem) {
  const form = el('form', { class: 'sign-in', novalidate: true },
    el('div', {}, el('label', { for: 'username' }, 'Username'),
      el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true })),
    el('div', {}, el('label', { for: 'password' }, 'Password'),
      el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    el('div', {}, el('label', { for: 'code' }, 'Code from your authenticator app'),
      el('input', { id: 'code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true,
                    'aria-describedby': 'code-hint' }),
      el('p', { id: 'code-hint', class: 'hint' }, 'Six digits; a new code every 30 seconds.')),
    el('div', {}, el('button', { type: 'submit', class: 'primary' }, 'Sign in')));
  const alert = el('div', {});
  if (problem) alert.append(el('p', { class: 'error', role: 'alert' }, problem));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      session = await api('POST', '/api/v1/session', {
        username: data.get('username'), password: data.get('password'), code: data.get('code'),
      });
      signedIn();
      // A new hash routes by itself (hashchange); the same one does not.
      const home = homeOf(session.staff.role);
      if (location.hash === home) route();
      else location.hash = home;
    } catch (error) {
      alert.replaceChildren(showError(error));
      form.querySelector('#password').value = '';
      form.querySelector('#code').value = '';
    }
  });
  setSignedOutChrome();
  show('Sign in', alert, form);
}

// Every role an action may have as its owner, by its words: the filter asks
// the hub for one role's, so it offers them all, not only those loaded.
function ownerRoles() {
  return Object.keys(vocabulary.PractitionerRole || {})
    .map((name) => [name, words('PractitionerRole', name)])
    .sort((x, y) => x[1].localeCompare(y[1]));
}

// An action's chair in words; a dash (read out as "none") where it has none.
function chairOf(action) {
  const chair = words('PractitionerRole', action.chair);
  if (chair) return chair;
  return [el('span', { 'aria-hidden': 'true' }, '\u2014'), el('span', { class: 'visually-hidden' }, 'none')];
}

function filterSelect(id, label, options) {
  return el('div', {}, el('label', { for: id }, label),
    el('select', { id }, options.map(([value, text]) => el('option', { value }, text))));
}

async function duePage() {
  const loaded = [];
  let nextPageToken = '';
  const table = el('table', {},
    el('caption', {}, 'Open actions, earliest due first'),
    el('thead', {}, el('tr', {}, ['Due', 'Status', 'Action', 'Owner', 'Chair', 'Case'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}));
  const count = el('p', { class: 'hint', 'aria-live': 'polite' });
  const more = el('button', { type: 'button', hidden: true }, 'Load more');
  const filters = el('form', { class: 'filters', 'aria-label': 'Filter actions' },
    filterSelect('f-status', 'Status', [['', 'All'], ['ACTION_STATUS_OVERDUE', 'Overdue'], ['ACTION_STATUS_PENDING', 'Pending']]),
    filterSelect('f-window', 'Due', [['', 'Any time'], ['0', 'Today or overdue'], ['5', 'Within 5 working days'],
                                     ['10', 'Within 10 working days']]),
    filterSelect('f-owner', 'Owner\u2019s role', [['', 'Any role'], ...ownerRoles()]),
    filterSelect('f-team', 'Team', [['', 'Every team']]));

  // Status "Overdue", the due window, the owner's role and the team are
  // asked of the hub (the list is paged there); "Pending" filters what came.
  const teamsSeen = new Set();
  const value = (id) => filters.querySelector(id).value;

  function render() {
    const status = value('#f-status');
    const rows = loaded.filter((a) => !status || a.status === status);
    table.tBodies[0].replaceChildren(...rows.map((a) => el('tr', {},
      el('td', { 'data-label': 'Due' }, el('span', {}, a.dueDate), el('br'), el('span', { class: 'hint' }, countdown(a.workingDaysLeft))),
      el('td', { 'data-label': 'Status' }, statusBadge(a.status)),
      el('td', { 'data-label': 'Action' }, words('ActionKind', a.kind), el('br'), el('span', { class: 'hint' }, `rule ${a.ruleId}`)),
      el('td', { 'data-label': 'Owner' }, words('PractitionerRole', a.owner), a.ownerAgencyId ? ` (${a.ownerAgencyId})` : ''),
      el('td', { 'data-label': 'Chair' }, chairOf(a)),
      el('td', { 'data-label': 'Case' }, el('a', { href: `#/case/${a.caseId}` }, 'Open case')))));
    count.textContent = `${rows.length} action${rows.length === 1 ? '' : 's'} shown` +
      (nextPageToken ? ' (more to load)' : '');
  }

  function fillChoices() {
    const fill = (id, values, label) => {
      const select = filters.querySelector(id);
      const chosen = select.value;
      select.replaceChildren(select.options[0], ...[...values].filter(Boolean).sort()
        .map((v) => el('option', { value: v }, label(v))));
      select.value = chosen;
    };
    for (const a of loaded) teamsSeen.add(a.ownerAgencyId);
    fill('#f-team', teamsSeen, (v) => v);
  }

  async function load(fresh) {
    const query = new URLSearchParams({ page_size: '200' });
    if (value('#f-status') === 'ACTION_STATUS_OVERDUE') query.set('overdue_only', 'true');
    if (value('#f-window') !== '') query.set('due_within_working_days', value('#f-window'));
    if (value('#f-team') !== '') query.set('owner_agency_id', value('#f-team'));
    if (value('#f-owner') !== '') query.set('owner', value('#f-owner'));
    if (!fresh && nextPageToken) query.set('page_token', nextPageToken);
    const page = await api('GET', `/api/v1/open-actions?${query}`);
    if (fresh) loaded.length = 0;
    loaded.push(...(page.actions || []));
    nextPageToken = page.nextPageToken || '';
    more.hidden = !nextPageToken;
    fillChoices();
    render();
  }

  filters.addEventListener('change', () => load(true).catch((e) => handle(e)));
  more.addEventListener('click', () => load(false).catch((e) => say(e.message)));
  show('Due and overdue', filters, count, table, more);
  try {
    await load(true);
  } catch (error) {
    handle(error);
  }
}

// A decision not to share as the case record keeps it (docs/procedure.md,
// Choice 37): what was withheld, from whom, by whom and why, in the
// practitioner's words (text nodes: never markup).
function decisionNotToShare(title, d) {
  const from = d.withheldFromAgencyId || words('AgencyRole', d.withheldFromRole);
  const by = [d.decidedBy, words('PractitionerRole', d.decidedByRole)].filter(Boolean).join(', ');
  return el('div', { class: 'decision' },
    el('strong', {}, title), ': ', d.withheldInformation || '', from ? ` withheld from ${from}` : '',
    el('div', { class: 'hint' }, `${words('WithholdingGround', d.ground)}${by ? `; decided by ${by}` : ''}`
      + `${d.reviewDate ? `; to be reviewed by ${d.reviewDate}` : ''}`),
    el('div', { class: 'justification' }, d.justification || ''));
}

function timelineOf(kase) {
  const items = [];
  for (const m of kase.messages || []) {
    const direction = m.senderAgencyId === session.staff.agencyId ? 'sent' : `from ${m.senderAgencyId}`;
    const purged = m.purgedAt ? `; its content purged under the retention schedule on ${formatTime(m.purgedAt)}` : '';
    items.push({ at: m.acceptedAt, text: `${words('MessageKind', m.kind)} (${m.sentByHub ? 'the hub' : direction}${purged})` });
  }
  for (const a of (kase.caseFile && kase.caseFile.riskAssessments) || []) {
    items.push({ at: a.assessedAt, text: `Risk assessed: ${words('RiskLevel', a.level)}` });
  }
  for (const e of (kase.caseFile && kase.caseFile.events) || []) {
    const text = `${words('EventKind', e.kind)}${e.acknowledgedAt ? ' (acknowledged)' : ''}`;
    items.push({ at: e.occurredAt, text: e.decisionNotToShare ? decisionNotToShare(text, e.decisionNotToShare) : text });
  }
  items.sort((x, y) => String(x.at).localeCompare(String(y.at)));
  return el('ol', { class: 'timeline' }, items.map((i) => el('li', {}, el('time', { datetime: i.at }, formatTime(i.at)), i.text)));
}

// One access to a child's record in words.
function accessInWords(access) {
  switch (access.kind) {
    case 'AUDIT_EVENT_KIND_CASE_READ': return 'read the case';
    case 'AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT': return `a message about the child handed to ${access.recipientAgencyId}`;
    case 'AUDIT_EVENT_KIND_SUBJECT_ACCESS_EXPORTED': return 'subject access export';
    case 'AUDIT_EVENT_KIND_ACCESS_LOG_READ': return 'read this list';
    default: return words('AuditEventKind', access.kind);
  }
}

async function casePage(caseId) {
  show('Case', el('p', { class: 'loading' }, 'Loading…'));
  try {
    const kase = await api('GET', `/api/v1/cases/${encodeURIComponent(caseId)}`);
    const child = kase.childDetails || {};
    const name = [child.givenName, child.familyName].filter(Boolean).join(' ') || 'Child';
    const actions = ((kase.pathway && kase.pathway.actions) || []).filter((a) => a.status !== 'ACTION_STATUS_NOT_REQUIRED');
    const actionList = el('table', {},
      el('caption', {}, 'What the procedure requires'),
      el('thead', {}, el('tr', {}, ['Action', 'Status', 'Due', 'Owner', 'Chair'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, actions.map((a) => el('tr', {},
        el('td', { 'data-label': 'Action' }, words('ActionKind', a.kind), a.rule ? el('div', { class: 'hint' }, a.rule) : null),
        el('td', { 'data-label': 'Status' }, statusBadge(a.status)),
        el('td', { 'data-label': 'Due' }, a.dueLocal ? formatTime(a.dueAt) : (a.dueDate || '')),
        el('td', { 'data-label': 'Owner' }, words('PractitionerRole', a.owner)),
        el('td', { 'data-label': 'Chair' }, words('PractitionerRole', a.chair))))));
    const readers = el('table', {},
      el('caption', {}, 'Who has read this case, the latest first'),
      el('thead', {}, el('tr', {}, ['Agency', 'Who', 'Reads', 'Last read'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, (kase.readers || []).map((r) => el('tr', {},
        el('td', { 'data-label': 'Agency' }, r.agencyId),
        el('td', { 'data-label': 'Who' }, r.staffId || 'its own system'),
        el('td', { 'data-label': 'Reads' }, r.reads),
        el('td', { 'data-label': 'Last read' }, formatTime(r.lastReadAt))))));
    // Every access to the record, from the audit chain: for the owning
    // authority's Children's Social Care and CPM service only.
    let accesses = null;
    if (session.mayListRecordAccesses) {
      const listed = await api('GET', `/api/v1/cases/${encodeURIComponent(caseId)}/accesses`);
      accesses = el('section', { 'aria-labelledby': 'accesses-h' },
        el('h2', { id: 'accesses-h' }, 'Who accessed the record'),
        listed.complete ? null : el('p', { class: 'hint' }, 'Older audit records are still being indexed: older accesses may be missing.'),
        el('table', { id: 'accesses' },
          el('caption', {}, 'Each access to this case, and to the child as a whole, the latest first'),
          el('thead', {}, el('tr', {}, ['When', 'Agency', 'Who', 'What', 'How'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, (listed.accesses || []).map((a) => el('tr', {},
            el('td', { 'data-label': 'When' }, el('time', { datetime: a.at }, formatTime(a.at))),
            el('td', { 'data-label': 'Agency' }, a.agencyId),
            el('td', { 'data-label': 'Who' }, a.staffId || (a.agencyId === 'operator' ? 'the hub operator' : 'its own system')),
            el('td', { 'data-label': 'What' }, accessInWords(a)),
            el('td', { 'data-label': 'How' }, a.method || ''))))));
    }
    show(`Case: ${name}`,
      kase.purgedAt ? el('p', { role: 'status' }, `This case's record was purged under the retention schedule on ${formatTime(kase.purgedAt)}: what is left is who was involved, when, and who has read it.`) : null,
      el('p', { class: 'hint' }, `Level of risk: ${words('RiskLevel', kase.pathway && kase.pathway.risk && kase.pathway.risk.effectiveLevel) || 'not assessed'}`),
      el('div', { class: 'columns' },
        el('section', { 'aria-labelledby': 'timeline-h' }, el('h2', { id: 'timeline-h' }, 'What happened'), timelineOf(kase)),
        el('section', { 'aria-labelledby': 'pathway-h' }, el('h2', { id: 'pathway-h' }, 'Actions and deadlines'), actionList)),
      el('section', { 'aria-labelledby': 'readers-h' }, el('h2', { id: 'readers-h' }, 'Who has read it'), readers),
      ...(accesses ? [accesses] : []));
  } catch (error) {
    handle(error);
  }
}

async function deliveriesPage() {
  show('Deliveries', el('p', { class: 'loading' }, 'Loading…'));
  let data;
  try {
    data = await api('GET', '/api/v1/deliveries');
  } catch (error) {
    return handle(error);
  }
  const letters = data.deadLetters || [];
  const result = el('div', { 'aria-live': 'polite' });
  const form = el('form', { 'aria-labelledby': 'dead-h' });
  const table = el('table', {},
    el('caption', {}, `${letters.length} dead letter${letters.length === 1 ? '' : 's'}: handed out the most times allowed, never acknowledged`),
    el('thead', {}, el('tr', {}, ['Requeue', 'Delivery', 'To', 'Message', 'Attempts', 'Accepted'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, letters.map((d) => el('tr', {},
      el('td', { 'data-label': 'Requeue' }, el('input', { type: 'checkbox', name: 'delivery', value: d.deliveryId,
                                                          id: `d-${d.deliveryId}` })),
      el('td', { 'data-label': 'Delivery' }, el('label', { for: `d-${d.deliveryId}` }, `delivery ${d.deliveryId}`)),
      el('td', { 'data-label': 'To' }, d.recipientAgencyId),
      el('td', { 'data-label': 'Message' }, words('MessageKind', d.kind)),
      el('td', { 'data-label': 'Attempts' }, d.attempts),
      el('td', { 'data-label': 'Accepted' }, formatTime(d.createdAt))))));
  form.append(table,
    el('div', {}, el('label', { for: 'reason' }, 'Reason for requeueing (recorded; do not name the child)'),
      el('input', { id: 'reason', name: 'reason', required: true, maxlength: '500' })),
    el('p', {}, el('button', { type: 'submit', class: 'primary' }, 'Requeue the chosen deliveries')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ids = [...form.querySelectorAll('input[name=delivery]:checked')].map((box) => box.value);
    try {
      const done = await api('POST', '/api/v1/deliveries/requeue', { deliveryIds: ids, reason: form.querySelector('#reason').value });
      await deliveriesPage();
      main.prepend(el('p', { role: 'status', class: 'hint' }, `Requeued ${done.requeued}.`));
    } catch (error) {
      result.replaceChildren(showError(error));
    }
  });
  const agencies = el('table', {},
    el('caption', {}, 'Not yet acknowledged, by agency, and whether each agency is there to take it'),
    el('thead', {}, el('tr', {}, ['Agency', 'Waiting', 'Handed out', 'Dead', 'Oldest', 'Last seen', 'Open streams']
      .map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, (data.agencies || []).map((a) => el('tr', {},
      el('td', { 'data-label': 'Agency' }, a.agencyId), el('td', { 'data-label': 'Waiting' }, a.pending),
      el('td', { 'data-label': 'Handed out' }, a.leased), el('td', { 'data-label': 'Dead' }, a.dead),
      el('td', { 'data-label': 'Oldest' }, formatTime(a.oldestUndeliveredAt)),
      el('td', { 'data-label': 'Last seen' }, lastSeen(a.lastSeen)),
      el('td', { 'data-label': 'Open streams' }, a.openStreams || 0)))));
  show('Deliveries', el('h2', { id: 'dead-h' }, 'Dead letters'), result, form,
    el('h2', {}, 'Each agency'), agencies);
}

function recordPage(state, notice) {
  const verdict = !state.verified
    ? el('p', {}, 'Not verified yet.')
    : el('p', {}, el('span', { class: `badge ${state.intact ? 'done' : 'overdue'}` }, state.intact ? 'Intact' : 'Broken'),
      ` up to row ${state.verifiedUpTo}, verified ${formatTime(state.verifiedAt)} by ${state.verifiedBy}`,
      state.problem ? el('span', { class: 'hint' }, ` — ${state.problem}`) : null);
  const button = el('button', { type: 'button', class: 'primary' }, 'Verify now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    say('Verifying the audit chain…');
    try {
      recordPage(await api('POST', '/api/v1/record/verify'), 'Verified just now.');
    } catch (error) {
      button.disabled = false;
      handle(error);
    }
    say('');
  });
  show('Record',
    notice ? el('p', { role: 'status', class: 'hint' }, notice) : null,
    el('p', {}, `The audit chain holds ${state.headSeq} rows; ${state.unsealed} more are being sealed into it.`),
    el('p', { class: 'hint' }, `Head: row ${state.headSeq}, hash ${state.headHash}`),
    el('h2', {}, 'Last verification'), verdict, button);
  // Appended once loaded, if the page is still the Record page.
  retentionSection().then((section) => { if (main.contains(button)) main.append(section); });
}

// Records kept and purged under the retention schedule, per class, against
// each class's policy.
async function retentionSection() {
  const section = el('section', { 'aria-labelledby': 'retention-h' }, el('h2', { id: 'retention-h' }, 'Retention'));
  try {
    const data = await api('GET', '/api/v1/record/retention');
    const day = (t) => (t ? String(t).slice(0, 10) : '—');
    section.append(el('table', { id: 'retention' },
      el('caption', {}, 'Records kept and purged, by class, against each class\'s policy'),
      el('thead', {}, el('tr', {}, ['Class', 'Policy', 'Kept', 'Held', 'Due now', 'Purged so far', 'Oldest kept', 'Oldest due']
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, (data.classes || []).map((c) => el('tr', {},
        el('td', { 'data-label': 'Class' }, c.in_words),
        el('td', { 'data-label': 'Policy' }, c.policy),
        el('td', { 'data-label': 'Kept' }, c.kept),
        el('td', { 'data-label': 'Held' }, c.held),
        el('td', { 'data-label': 'Due now' }, c.due),
        el('td', { 'data-label': 'Purged so far' }, c.purged_total),
        el('td', { 'data-label': 'Oldest kept' }, c.oldest_since ? `${c.oldest_age} old` : '—'),
        el('td', { 'data-label': 'Oldest due' }, day(c.oldest_due)))))));
  } catch (error) {
    section.append(showError(error));
  }
  return section;
}

async function loadRecordPage() {
  show('Record', el('p', { class: 'loading' }, 'Loading…'));
  try {
    recordPage(await api('GET', '/api/v1/record'));
  } catch (error) {
    handle(error);
  }
}

// --- chrome and routing -------------------------------------------------------

// The first page of each role.
function homeOf(role) {
  if (role === 'STAFF_ROLE_HUB_OPERATOR') return '#/deliveries';
  if (role === 'STAFF_ROLE_DATA_PROTECTION_OFFICER') return '#/record';
  return '#/due';
}

function setSignedOutChrome() {
  document.getElementById('nav').hidden = true;
  document.getElementById('sign-out').hidden = true;
  document.getElementById('who').textContent = '';
}

function signedIn() {
  const nav = document.getElementById('nav');
  const role = session.staff.role;
  const links = [];
  if (role === 'STAFF_ROLE_HUB_OPERATOR') links.push(el('a', { href: '#/deliveries' }, 'Deliveries'));
  if (role === 'STAFF_ROLE_HUB_OPERATOR' || role === 'STAFF_ROLE_DATA_PROTECTION_OFFICER') {
    links.push(el('a', { href: '#/record' }, 'Record'));
  }
  if (links.length === 0) links.push(el('a', { href: '#/due' }, 'Due and overdue'));
  nav.replaceChildren(...links);
  nav.hidden = false;
  document.getElementById('sign-out').hidden = false;
  document.getElementById('who').textContent =
    `${session.staff.displayName} (${session.agencyDisplayName})`;
}

function handle(error) {
  if (error instanceof ApiError && error.status === 401) {
    session = null;
    signInPage(error.message);
    return;
  }
  main.append(showError(error));
}

async function route() {
  if (!session) {
    try {
      session = await api('GET', '/api/v1/session');
      signedIn();
    } catch (error) {
      // No session at all is the ordinary start; one that ended is said.
      signInPage(error instanceof ApiError && error.message === 'sign in' ? '' : error.message);
      return;
    }
  }
  const hash = location.hash || homeOf(session.staff.role);
  if (hash === '#/deliveries') return deliveriesPage();
  if (hash === '#/record') return loadRecordPage();
  const caseMatch = hash.match(/^#\/case\/([0-9a-f-]{36})$/);
  if (caseMatch) return casePage(caseMatch[1]);
  return duePage();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await api('DELETE', '/api/v1/session');
  } catch (error) {
    say(error.message);
  }
  session = null;
  signInPage('You have signed out.');
});

window.addEventListener('hashchange', () => route());

(async () => {
  try {
    vocabulary = await api('GET', '/api/v1/vocabulary');
  } catch (error) {
    say('The hub did not give its vocabulary; showing names as they are.');
  }
  route();
})();
