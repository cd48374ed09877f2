// Salon console — "Ask an expert", the panel beside a chat (next to Tools).
//
// The associate picks an expert group (product design, inventory, shipping…), writes the question,
// and the server snapshots the shopper's context with it. Answers arrive live (helpdesk frames on
// the console socket, see helpdesk.js) and show here, inside the chat; any answer or knowledge
// snippet can be inserted into the composer. The active chat is read from #chat-panel's
// data-conversation-id, which chat.js keeps. Everything from the server goes in as text.
//
// API: salon/helpdesk/routes.py (docs/helpdesk.md).

import { h, formatAgo } from './floor.js';
import { sitePath, str } from './chat-api.js';

const arr = (x) => (Array.isArray(x) ? x : []);
const STATUS = { open: 'Waiting for an expert', answered: 'Answered', closed: 'Closed' };

/** Put text into the chat composer at the caret, as chat.js's own canned replies do. */
export function insertIntoComposer(text) {
  const input = document.getElementById('chat-input');
  if (!input || input.disabled) return false;
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.value = input.value.slice(0, start) + text + input.value.slice(end);
  const caret = start + text.length;
  input.focus();
  input.setSelectionRange(caret, caret);
  input.dispatchEvent(new Event('input', { bubbles: true })); // chat.js: autogrow, draft, typing
  return true;
}

/** One thread's messages as a list; answers carry an Insert button. */
export function messageList(thread, { insert = true } = {}) {
  return h('ol', { class: 'xp-msgs' }, arr(thread.messages).map((m) => h('li', {
    class: 'xp-msg', dataset: { kind: str(m.kind) },
  },
  h('span', { class: 'xp-msg-who', text: `${str(m.author?.name) || 'Someone'} · ${m.kind === 'answer' ? 'answer' : m.kind === 'follow_up' ? 'follow-up' : 'question'} · ${formatAgo(m.created_at)}` }),
  h('p', { class: 'xp-msg-body', text: str(m.body) }),
  insert && m.kind === 'answer' ? h('button', {
    class: 'button button-small xp-insert', type: 'button', text: 'Insert in reply',
    on: { click: () => insertIntoComposer(str(m.body)) },
  }) : null)));
}

/**
 * createAskExpert({request, siteId, button, panel, chatPanel, getGroups, onError})
 * → {apply(frame), refresh(), destroy()}
 */
export function createAskExpert({ request, siteId, button, panel, chatPanel, getGroups, onError }) {
  const fail = onError || (() => {});
  const threads = new Map(); // id → thread, for the active conversation
  let conversation = null;
  let unread = 0;
  let searchTimer = 0;
  let loadGen = 0;

  const badge = h('span', { class: 'nav-count xp-badge', hidden: true });
  button.append(badge);
  const group = h('select', { id: 'expert-group', class: 'select', 'aria-label': 'Expert group' });
  const question = h('textarea', { id: 'expert-question', class: 'input xp-question', rows: '2', maxlength: '4000', placeholder: 'Your question to the experts…' });
  const ask = h('button', { id: 'expert-ask', class: 'button button-primary button-small', type: 'submit', text: 'Ask' });
  const status = h('p', { class: 'xp-status', role: 'status', hidden: true });
  const list = h('div', { id: 'expert-threads', class: 'xp-threads', 'aria-live': 'polite' });
  const search = h('input', { id: 'expert-search', class: 'input input-search', type: 'search', placeholder: 'Search answers and snippets', autocomplete: 'off', maxlength: '200' });
  const results = h('ol', { id: 'expert-results', class: 'xp-results' });
  const form = h('form', { class: 'xp-form', novalidate: true }, group, question, h('div', { class: 'xp-actions' }, ask));
  panel.replaceChildren(
    h('div', { class: 'tp-head' }, h('b', { text: 'Ask an expert' }),
      h('button', { class: 'tp-close', type: 'button', 'aria-label': 'Close', text: '×', on: { click: close } })),
    form, status, list,
    h('label', { class: 'visually-hidden', for: 'expert-search', text: 'Search the help desk' }), search, results);

  function say(text, kind = 'info') {
    status.textContent = text || '';
    status.dataset.kind = kind;
    status.hidden = !text;
  }

  function setUnread(n) {
    unread = n;
    badge.textContent = String(n);
    badge.hidden = n === 0;
  }

  function fillGroups() {
    const groups = arr(getGroups());
    const keep = group.value;
    group.replaceChildren(...groups.map((g) => h('option', { value: str(g.id), text: str(g.name) })));
    if (groups.some((g) => g.id === keep)) group.value = keep;
    ask.disabled = !groups.length;
  }

  function render() {
    const sorted = [...threads.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    list.replaceChildren(...sorted.map((t) => h('article', { class: 'xp-thread', dataset: { threadId: str(t.id), status: str(t.status) } },
      h('header', { class: 'xp-thread-head' },
        h('b', { text: str(t.group?.name) }),
        h('span', { class: 'xp-state', text: STATUS[t.status] || str(t.status) })),
      messageList(t))));
  }

  async function load() {
    const gen = ++loadGen;
    threads.clear();
    render();
    if (!conversation) return;
    try {
      const data = await request('GET', sitePath(siteId, `/helpdesk/threads?scope=all&conversation_id=${encodeURIComponent(conversation)}`));
      if (gen !== loadGen) return;
      for (const t of arr(data.threads)) threads.set(t.id, t);
      render();
    } catch (err) { say(str(err.message), 'error'); }
  }

  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    setUnread(0);
    fillGroups();
    load();
    question.focus();
  }

  function close() {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  }

  async function submit(ev) {
    ev.preventDefault();
    const text = question.value.trim();
    if (!text) { say('Write your question first.', 'error'); question.focus(); return; }
    if (!group.value) { say('Pick an expert group.', 'error'); return; }
    ask.disabled = true;
    try {
      const body = { group_id: group.value, question: text };
      if (conversation) body.conversation_id = conversation;
      const data = await request('POST', sitePath(siteId, '/helpdesk/threads'), body);
      question.value = '';
      if (data.thread && data.thread.conversation_id === conversation) threads.set(data.thread.id, data.thread);
      render();
      say('Sent to the experts. Their answer will appear here.');
    } catch (err) {
      say(str(err.message), 'error');
      fail(err);
    } finally { ask.disabled = false; }
  }

  async function runSearch() {
    const q = search.value.trim();
    if (!q) { results.replaceChildren(); return; }
    try {
      const data = await request('GET', sitePath(siteId, `/helpdesk/search?q=${encodeURIComponent(q)}`));
      if (search.value.trim() !== q) return;
      const found = arr(data.results).slice(0, 12);
      results.replaceChildren(...(found.length ? found.map((r) => h('li', { class: 'xp-result', dataset: { kind: str(r.kind), id: str(r.id) } },
        h('b', { class: 'xp-result-title', text: `${r.kind === 'snippet' ? 'Snippet' : 'Question'}: ${str(r.title)}` }),
        r.body ? h('p', { class: 'xp-result-body', text: str(r.body) }) : h('p', { class: 'xp-result-body tp-muted', text: 'Not answered yet.' }),
        r.body ? h('button', { class: 'button button-small xp-insert', type: 'button', text: 'Insert in reply', on: { click: () => insertIntoComposer(str(r.body)) } }) : null))
        : [h('li', { class: 'xp-result tp-muted', text: 'Nothing found.' })]));
    } catch (err) { results.replaceChildren(h('li', { class: 'tp-error', role: 'alert', text: str(err.message) })); }
  }

  /** A helpdesk frame from the console socket: the whole thread, applied idempotently. */
  function apply(frame) {
    const t = frame && frame.thread;
    if (!t || typeof t.id !== 'string' || !conversation || t.conversation_id !== conversation) return;
    threads.set(t.id, t);
    render();
    if (frame.event === 'answer' && panel.hidden) setUnread(unread + 1);
  }

  function activeConversation() {
    const id = chatPanel && !chatPanel.hidden ? chatPanel.dataset.conversationId : '';
    return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id) ? id : null;
  }

  function conversationChanged() {
    const next = activeConversation();
    if (next === conversation) return;
    conversation = next;
    setUnread(0);
    threads.clear();
    render();
    if (!panel.hidden) load(); // read when looked at: a claim costs no extra request
  }

  const observer = new MutationObserver(conversationChanged);
  if (chatPanel) observer.observe(chatPanel, { attributes: true, attributeFilter: ['data-conversation-id', 'hidden'] });
  const onButton = () => (panel.hidden ? open() : close());
  const onKey = (ev) => { if (ev.key === 'Escape') { close(); button.focus(); } };
  const onSearch = () => { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 250); };
  button.addEventListener('click', onButton);
  panel.addEventListener('keydown', onKey);
  form.addEventListener('submit', submit);
  search.addEventListener('input', onSearch);
  conversationChanged();

  return {
    apply,
    refresh: () => { fillGroups(); if (!panel.hidden) load(); },
    destroy() {
      observer.disconnect();
      clearTimeout(searchTimer);
      button.removeEventListener('click', onButton);
      panel.removeEventListener('keydown', onKey);
      badge.remove();
      panel.replaceChildren();
      close();
    },
  };
}
