// Salon console — the internal help desk: the "Help desk" view (the experts' queue of questions
// with the shopper's context, answering, saving an answer as a knowledge snippet, search, expert
// groups) and the live feed that also drives "Ask an expert" beside the chat (ask-expert.js).
//
// Live: a connection to the console socket (/ws/chat/console) of its own — chat.js keeps the
// other and ignores frame types it does not know — whose `helpdesk` frames carry whole threads.
// On every (re)connect the lists are re-read over HTTP (the snapshot); frames then replace
// threads by id, so applying one twice changes nothing.
//
// API: salon/helpdesk/routes.py (docs/helpdesk.md). Everything from the server goes in as text.

import { h, formatAgo, formatMoney } from './floor.js';
import { sitePath, str } from './chat-api.js';
import { createAskExpert, messageList } from './ask-expert.js';

const arr = (x) => (Array.isArray(x) ? x : []);
const SUPERVISORS = ['supervisor', 'admin'];
const STATUS = { open: 'Open', answered: 'Answered', closed: 'Closed' };

/** The console socket, for helpdesk frames only; reconnects with back-off and jitter. */
function createFeed({ siteId, csrf, onFrame, onLive }) {
  let ws = null;
  let stopped = false;
  let attempt = 0;
  let timer = 0;
  let live = false;
  const pinger = setInterval(() => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping' }));
  }, 25000);

  function connect() {
    if (stopped) return;
    let sock;
    try {
      sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat/console`);
    } catch { retry(); return; }
    ws = sock;
    live = false;
    sock.addEventListener('open', () => sock.send(JSON.stringify({ type: 'hello', csrf, site_id: siteId })));
    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (!msg || typeof msg !== 'object') return;
      if (!live && msg.type !== 'error') { live = true; attempt = 0; onLive(); }
      if (msg.type === 'helpdesk') onFrame(msg);
    });
    sock.addEventListener('close', () => { if (ws === sock) { ws = null; retry(); } });
  }

  function retry() {
    if (stopped) return;
    const cap = Math.min(30000, 500 * 2 ** Math.min(attempt, 6));
    attempt += 1;
    timer = setTimeout(connect, cap / 2 + Math.random() * (cap / 2));
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(pinger);
      if (ws) { const s = ws; ws = null; try { s.close(); } catch { /* ignore */ } }
    },
  };
}

/** The shopper's context as it was when the question was asked. */
function contextList(context) {
  const c = context && typeof context === 'object' ? context : {};
  if (!c.conversation_id) return h('p', { class: 'tp-muted', text: 'Not asked from a chat.' });
  const rows = [
    ['Shopper', str(c.shopper)],
    ['Chat', str(c.reference)],
    ['Customer', c.customer ? [str(c.customer.name), c.customer.tier ? `tier ${str(c.customer.tier)}` : '', c.customer.orders ? `${Number(c.customer.orders)} orders` : ''].filter(Boolean).join(' · ') : ''],
    ['Page', c.page ? str(c.page.title) || str(c.page.url) : ''],
    ['Cart', c.cart && Number(c.cart.items) ? `${Number(c.cart.items)} items · ${formatMoney(c.cart.value, c.cart.currency)}` : ''],
    ['Checkout', str(c.checkout_step)],
    ['Last message', str(c.last_message)],
  ].filter(([, v]) => v);
  return h('dl', { class: 'tp-context hd-context' }, rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
}

/**
 * createHelpdesk({root, request, siteId, csrf, me, navCount, chatButton, chatPanel, expertPanel})
 * → {show(), hide(), destroy()}
 */
export function createHelpdesk({ root, request, siteId, csrf, me, navCount, chatButton, chatPanel, expertPanel }) {
  const supervisor = SUPERVISORS.includes(me?.role);
  let groups = [];
  let associates = [];
  const queue = new Map(); // open questions for my groups
  const mine = new Map(); // what I asked
  let selected = null; // thread shown in detail
  let searchTimer = 0;

  const status = h('p', { class: 'attribution-status hd-status', role: 'status', hidden: true });
  const queueList = h('ol', { id: 'hd-queue', class: 'hd-list' });
  const mineList = h('ol', { id: 'hd-mine', class: 'hd-list' });
  const detail = h('section', { id: 'hd-detail', class: 'card hd-detail', 'aria-live': 'polite' });
  const search = h('input', { id: 'hd-search', class: 'input input-search', type: 'search', placeholder: 'Search questions, answers and snippets', autocomplete: 'off', maxlength: '200' });
  const results = h('ol', { id: 'hd-results', class: 'hd-list' });
  const groupsBox = h('section', { id: 'hd-groups', class: 'card hd-groups' });
  root.replaceChildren(
    h('header', { class: 'attribution-head' },
      h('div', null,
        h('h2', { class: 'attribution-title', id: 'helpdesk-title', text: 'Help desk' }),
        h('p', { class: 'attribution-sub', text: 'Questions associates ask the expert groups from their chats, with the shopper\'s context.' }))),
    status,
    h('div', { class: 'hd-layout' },
      h('div', { class: 'hd-side' },
        h('section', { class: 'card' }, h('h3', { class: 'hd-title', text: 'Questions for your groups' }), queueList),
        h('section', { class: 'card' }, h('h3', { class: 'hd-title', text: 'Your questions' }), mineList),
        h('section', { class: 'card' }, h('h3', { class: 'hd-title', text: 'Search' }),
          h('label', { class: 'visually-hidden', for: 'hd-search', text: 'Search the help desk' }), search, results),
        groupsBox),
      detail));

  function say(text, kind = 'info') {
    status.textContent = text || '';
    status.dataset.kind = kind;
    status.hidden = !text;
  }

  function item(t) {
    return h('li', null, h('button', {
      class: 'hd-item', type: 'button', dataset: { threadId: str(t.id), status: str(t.status) },
      'aria-current': selected === t.id ? 'true' : null,
      on: { click: () => openThread(t.id) },
    },
    h('span', { class: 'hd-item-meta', text: `${str(t.group?.name)} · ${str(t.asker?.name)} · ${formatAgo(t.updated_at)}` }),
    h('span', { class: 'hd-item-text', text: str(t.question) }),
    t.context?.shopper ? h('span', { class: 'hd-item-meta', text: `Shopper: ${str(t.context.shopper)}` }) : null,
    h('span', { class: 'hd-state', text: STATUS[t.status] || str(t.status) })));
  }

  function renderLists() {
    const q = [...queue.values()].sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    queueList.replaceChildren(...(q.length ? q.map(item) : [h('li', { class: 'tp-muted', text: 'No open questions for your groups.' })]));
    const m = [...mine.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    mineList.replaceChildren(...(m.length ? m.slice(0, 30).map(item) : [h('li', { class: 'tp-muted', text: 'You have not asked anything yet.' })]));
    if (navCount) { navCount.textContent = String(q.length); navCount.dataset.count = String(q.length); }
  }

  function renderDetail(t) {
    if (!t) { detail.replaceChildren(h('p', { class: 'tp-muted', text: 'Pick a question to answer it.' })); return; }
    const asker = t.asker?.id === me?.id;
    const replyBox = h('textarea', { id: 'hd-answer', class: 'input', rows: '3', maxlength: '10000', placeholder: asker ? 'Add a follow-up…' : 'Your answer…' });
    const send = h('button', { id: 'hd-send', class: 'button button-primary button-small', type: 'submit', text: asker ? 'Send follow-up' : 'Send answer' });
    const canReply = t.status !== 'closed' && (asker || t.can_answer);
    const form = canReply ? h('form', { class: 'hd-reply', novalidate: true, on: { submit: (ev) => { ev.preventDefault(); reply(t, replyBox, send); } } },
      h('label', { class: 'visually-hidden', for: 'hd-answer', text: 'Answer' }), replyBox, h('div', { class: 'xp-actions' }, send)) : null;
    const toggle = (asker || t.can_answer) ? h('button', {
      id: 'hd-toggle', class: 'button button-small', type: 'button', text: t.status === 'closed' ? 'Reopen' : 'Close',
      on: { click: () => setStatus(t, t.status === 'closed' ? 'open' : 'closed') },
    }) : null;
    const lastAnswer = arr(t.messages).filter((m) => m.kind === 'answer').pop();
    const keep = t.answered_at && (asker || t.can_answer) ? snippetForm(t, lastAnswer) : null;
    detail.replaceChildren(
      h('header', { class: 'hd-detail-head' },
        h('h3', { class: 'hd-title', text: `${str(t.group?.name)} · asked by ${str(t.asker?.name)}` }),
        h('span', { class: 'hd-state', dataset: { status: str(t.status) }, text: STATUS[t.status] || str(t.status) }), toggle),
      h('h4', { class: 'hd-sub', text: 'The shopper' }), contextList(t.context),
      messageList(t, { insert: false }), form, keep);
  }

  function snippetForm(t, lastAnswer) {
    const title = h('input', { id: 'hd-snippet-title', class: 'input', maxlength: '100', value: str(t.question).slice(0, 100) });
    const body = h('textarea', { id: 'hd-snippet-body', class: 'input', rows: '3', maxlength: '10000' });
    body.value = str(lastAnswer?.body);
    const save = h('button', { id: 'hd-snippet-save', class: 'button button-small', type: 'submit', text: 'Save as snippet' });
    return h('form', { class: 'hd-snippet', novalidate: true, on: { submit: async (ev) => {
      ev.preventDefault();
      save.disabled = true;
      try {
        await request('POST', sitePath(siteId, '/helpdesk/snippets'), { thread_id: t.id, title: title.value, body: body.value });
        say('Saved: associates find it by search and in their canned replies.');
      } catch (err) { say(str(err.message), 'error'); } finally { save.disabled = false; }
    } } },
    h('h4', { class: 'hd-sub', text: 'Keep as a knowledge snippet' }),
    h('label', { class: 'field-label', for: 'hd-snippet-title', text: 'Title' }), title,
    h('label', { class: 'field-label', for: 'hd-snippet-body', text: 'Text' }), body,
    h('div', { class: 'xp-actions' }, save));
  }

  async function openThread(id) {
    selected = id;
    renderLists();
    try {
      const data = await request('GET', sitePath(siteId, `/helpdesk/threads/${encodeURIComponent(id)}`));
      if (selected === id) renderDetail(data.thread);
    } catch (err) { say(str(err.message), 'error'); }
  }

  async function reply(t, box, send) {
    const text = box.value.trim();
    if (!text) { say('Write something first.', 'error'); box.focus(); return; }
    send.disabled = true;
    try {
      const data = await request('POST', sitePath(siteId, `/helpdesk/threads/${encodeURIComponent(t.id)}/messages`), { body: text });
      box.value = '';
      applyThread(data.thread);
      say('');
    } catch (err) { say(str(err.message), 'error'); send.disabled = false; }
  }

  async function setStatus(t, next) {
    try {
      const data = await request('POST', sitePath(siteId, `/helpdesk/threads/${encodeURIComponent(t.id)}/status`), { status: next });
      applyThread(data.thread);
    } catch (err) { say(str(err.message), 'error'); }
  }

  function applyThread(t) {
    if (!t || typeof t.id !== 'string') return;
    const mineGroup = groups.some((g) => g.id === t.group?.id && g.member);
    if (t.status === 'open' && (mineGroup || SUPERVISORS.includes(me?.role))) queue.set(t.id, t); else queue.delete(t.id);
    if (t.asker?.id === me?.id) mine.set(t.id, t);
    renderLists();
    if (selected === t.id) {
      // keep what the expert is typing: re-render only when they are not in the middle of it
      const typing = detail.querySelector('#hd-answer');
      if (!typing || !typing.value) renderDetail({ ...t, can_answer: t.can_answer || mineGroup || supervisor });
    }
  }

  function renderGroups() {
    const rows = groups.map((g) => h('li', { class: 'hd-group', dataset: { groupId: str(g.id) } },
      h('b', { text: str(g.name) }),
      g.description ? h('span', { class: 'hd-item-meta', text: ` — ${str(g.description)}` }) : null,
      h('p', { class: 'hd-item-meta', text: arr(g.members).map((m) => str(m.name)).join(', ') || 'No members yet' }),
      supervisor ? h('button', { class: 'button button-quiet button-small', type: 'button', text: 'Delete', on: { click: () => removeGroup(g) } }) : null));
    const parts = [h('h3', { class: 'hd-title', text: 'Expert groups' }), h('ul', { class: 'hd-list' }, rows)];
    if (supervisor) {
      const name = h('input', { id: 'hd-group-name', class: 'input', maxlength: '80', placeholder: 'Name, e.g. Shipping' });
      const about = h('input', { id: 'hd-group-about', class: 'input', maxlength: '300', placeholder: 'What they know' });
      const picks = associates.map((a) => h('label', { class: 'hd-pick' },
        h('input', { type: 'checkbox', value: str(a.id) }), ` ${str(a.name)}`));
      parts.push(h('form', { class: 'hd-new-group', novalidate: true, on: { submit: async (ev) => {
        ev.preventDefault();
        const member_ids = picks.map((p) => p.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
        try {
          await request('POST', sitePath(siteId, '/helpdesk/groups'), { name: name.value, description: about.value, member_ids });
          await loadGroups();
        } catch (err) { say(str(err.message), 'error'); }
      } } }, h('h4', { class: 'hd-sub', text: 'New group' }), name, about, h('div', { class: 'hd-picks' }, picks),
      h('button', { class: 'button button-small', type: 'submit', text: 'Create group' })));
    }
    groupsBox.replaceChildren(...parts);
  }

  async function removeGroup(g) {
    if (!window.confirm(`Delete the group "${str(g.name)}" and its questions?`)) return;
    try {
      await request('DELETE', sitePath(siteId, `/helpdesk/groups/${encodeURIComponent(g.id)}`));
      await loadGroups();
      await loadLists();
    } catch (err) { say(str(err.message), 'error'); }
  }

  async function loadGroups() {
    const data = await request('GET', sitePath(siteId, '/helpdesk/groups'));
    groups = arr(data.groups);
    if (supervisor && !associates.length) {
      try { associates = arr((await request('GET', sitePath(siteId, '/chat/associates'))).associates); } catch { /* optional */ }
    }
    renderGroups();
  }

  async function loadLists() {
    const [q, m] = await Promise.all([
      request('GET', sitePath(siteId, '/helpdesk/threads?scope=queue')),
      request('GET', sitePath(siteId, '/helpdesk/threads?scope=mine&limit=30')),
    ]);
    queue.clear();
    mine.clear();
    for (const t of arr(q.threads)) queue.set(t.id, t);
    for (const t of arr(m.threads)) mine.set(t.id, t);
    renderLists();
  }

  async function snapshot() {
    try {
      await loadGroups();
      await loadLists();
      panel.refresh();
      if (selected) openThread(selected); else renderDetail(null);
    } catch (err) { say(str(err.message), 'error'); }
  }

  async function runSearch() {
    const q = search.value.trim();
    if (!q) { results.replaceChildren(); return; }
    try {
      const data = await request('GET', sitePath(siteId, `/helpdesk/search?q=${encodeURIComponent(q)}`));
      if (search.value.trim() !== q) return;
      const found = arr(data.results).slice(0, 20);
      results.replaceChildren(...(found.length ? found.map((r) => h('li', { class: 'hd-result', dataset: { kind: str(r.kind) } },
        r.kind === 'thread'
          ? h('button', { class: 'hd-item', type: 'button', on: { click: () => openThread(r.id) } },
            h('span', { class: 'hd-item-text', text: str(r.title) }),
            h('span', { class: 'hd-item-meta', text: str(r.body) || 'Not answered yet.' }))
          : h('div', { class: 'hd-item' }, h('b', { class: 'hd-item-text', text: `Snippet: ${str(r.title)}` }),
            h('span', { class: 'hd-item-meta', text: str(r.body) }))))
        : [h('li', { class: 'tp-muted', text: 'Nothing found.' })]));
    } catch (err) { results.replaceChildren(h('li', { class: 'tp-error', role: 'alert', text: str(err.message) })); }
  }
  search.addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 250); });

  const panel = chatButton && expertPanel
    ? createAskExpert({ request, siteId, button: chatButton, panel: expertPanel, chatPanel, getGroups: () => groups })
    : { apply() {}, refresh() {}, destroy() {} };
  const feed = createFeed({
    siteId,
    csrf,
    onLive: snapshot,
    onFrame: (frame) => { applyThread(frame.thread); panel.apply(frame); },
  });
  renderDetail(null);

  return {
    show() { root.hidden = false; },
    hide() { root.hidden = true; },
    destroy() {
      clearTimeout(searchTimer);
      feed.stop();
      panel.destroy();
      root.replaceChildren();
      root.hidden = true;
    },
  };
}
