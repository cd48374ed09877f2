// Salon console — the Tools panel: every registered tool, its small form, a live preview of the
// card, the associate-only context, honest-selling warnings, and "Send to shopper".
//
// Generic on purpose: the list and each form come from GET /api/sites/{site}/tools (a JSON schema
// of the tool's parameters), the preview from POST /api/sites/{site}/tools/{name}. The card the
// shopper receives is rebuilt by the server on send (message kind "card"); what is shown here is
// only a preview. Everything from the server or the shopper goes in as text.

import { h, formatMoney } from './floor.js';
import { sitePath, newClientId, httpUrl, sameOriginImage, str } from './chat-api.js';

const arr = (x) => (Array.isArray(x) ? x : []);

// h() refuses src/href on purpose; these set them only after httpUrl/sameOriginImage checked them.
function img(src) {
  const e = h('img', { class: 'tcard-img', alt: '', loading: 'lazy', width: '40', height: '40' });
  e.src = src;
  return e;
}
function link(href, text, cls) {
  const e = h('a', { class: cls || null, target: '_blank', rel: 'noopener noreferrer', text });
  e.href = href;
  return e;
}

/** A card (from a preview or a stored message) as console DOM: title, text, items, table, link. */
export function renderCard(card) {
  const c = card && typeof card === 'object' ? card : {};
  const items = arr(c.items).slice(0, 8).map((it) => {
    const image = sameOriginImage(it?.image);
    const url = httpUrl(it?.url);
    const price = it && it.price !== null && it.price !== undefined ? formatMoney(it.price, it.currency) : '';
    return h('li', { class: 'tcard-item' },
      image ? img(image) : null,
      h('div', { class: 'tcard-item-body' },
        url ? link(url, str(it?.name)) : h('b', { text: str(it?.name) }),
        price ? h('span', { class: 'tcard-price', text: price }) : null,
        it?.note ? h('span', { class: 'tcard-note', text: str(it.note) }) : null));
  });
  const t = c.table && Array.isArray(c.table.columns) ? c.table : null;
  const table = t ? h('div', { class: 'tcard-table', tabindex: '0', role: 'region', 'aria-label': str(c.title) },
    h('table', {},
      h('thead', {}, h('tr', {}, t.columns.map((col) => h('th', { scope: 'col', text: str(col) })))),
      h('tbody', {}, arr(t.rows).slice(0, 40).map((row) => h('tr', {}, arr(row).map((v) => h('td', { text: str(v) }))))))) : null;
  const more = httpUrl(c.link_url);
  return h('div', { class: 'tcard', dataset: { cardKind: str(c.kind) } },
    h('b', { class: 'tcard-title', text: str(c.title) }),
    c.text ? h('p', { class: 'tcard-text', text: str(c.text) }) : null,
    items.length ? h('ul', { class: 'tcard-items' }, items) : null,
    table,
    more ? link(more, str(c.link_label) || 'Open', 'tcard-link') : null);
}

/** One form control per parameter: string, number, boolean, enum, or a list (comma separated). */
function field(name, schema, required, value) {
  const id = `tp-${name}`;
  const label = str(schema.title) || name.replace(/_/g, ' ');
  const type = schema.type || (arr(schema.anyOf).find((x) => x.type && x.type !== 'null') || {}).type || 'string';
  let input;
  if (arr(schema.enum).length) {
    input = h('select', { id, name }, arr(schema.enum).map((v) => h('option', { value: str(v), text: str(v) })));
  } else if (type === 'boolean') {
    input = h('input', { id, name, type: 'checkbox' });
    input.checked = Boolean(value ?? schema.default);
  } else {
    input = h('input', { id, name, type: type === 'integer' || type === 'number' ? 'number' : 'text', autocomplete: 'off' });
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
  }
  input.dataset.kind = type;
  if (type !== 'boolean') {
    const v = value ?? schema.default;
    if (v !== undefined && v !== null) input.value = Array.isArray(v) ? v.join(', ') : String(v);
  }
  if (type === 'array') input.placeholder = 'comma separated';
  return h('label', { class: 'tp-field', for: id }, h('span', { text: label + (required ? ' *' : '') }), input);
}

function readForm(form) {
  const params = {};
  for (const input of form.querySelectorAll('input, select')) {
    const kind = input.dataset.kind;
    if (kind === 'boolean') { params[input.name] = input.checked; continue; }
    const raw = input.value.trim();
    if (!raw) continue;
    if (kind === 'array') params[input.name] = raw.split(',').map((x) => x.trim()).filter(Boolean);
    else if (kind === 'integer' || kind === 'number') params[input.name] = Number(raw);
    else params[input.name] = raw;
  }
  return params;
}

/**
 * createToolsPanel({request, siteId, button, panel, getConversation, onError})
 * getConversation() → the active conversation id (or null).
 */
export function createToolsPanel({ request, siteId, button, panel, getConversation, onError }) {
  let tools = null;
  let start = {};  // form defaults from the shopper's live visit (the product they look at)
  let current = null;
  let timer = 0;
  let generation = 0;  // a refresh answers only if nothing (another refresh, a send) came after it
  const fail = onError || (() => {});

  async function load() {
    const conversation = getConversation();
    const query = conversation ? `?conversation_id=${encodeURIComponent(conversation)}` : '';
    const answer = await request('GET', sitePath(siteId, `/tools${query}`));
    tools = arr(answer.tools);
    start = answer.defaults && typeof answer.defaults === 'object' ? answer.defaults : {};
    return tools;
  }

  function close() {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    current = null;
  }

  async function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    panel.replaceChildren(h('p', { class: 'tp-muted', text: 'Loading tools…' }));
    try {
      const list = await load();
      const buttons = list.map((t) => h('button', {
        class: 'tp-tool', type: 'button', dataset: { tool: str(t.name) }, text: str(t.label),
        on: { click: () => choose(t) },
      }));
      panel.replaceChildren(
        h('div', { class: 'tp-head' }, h('b', { text: 'Tools' }),
          h('button', { class: 'tp-close', type: 'button', 'aria-label': 'Close tools', text: '×', on: { click: close } })),
        h('div', { class: 'tp-list', role: 'toolbar', 'aria-label': 'Store tools' }, buttons),
        h('div', { class: 'tp-body', id: 'tp-body' }));
      buttons[0]?.focus();
    } catch (err) {
      panel.replaceChildren(h('p', { class: 'tp-error', role: 'alert', text: str(err.message) }));
    }
  }

  function choose(t) {
    current = t;
    for (const b of panel.querySelectorAll('.tp-tool')) b.setAttribute('aria-pressed', b.dataset.tool === t.name ? 'true' : 'false');
    const schema = t.params || {};
    const required = new Set(arr(schema.required));
    const form = h('form', { class: 'tp-form', novalidate: true },
      Object.entries(schema.properties || {}).map(([name, s]) => field(name, s || {}, required.has(name), start[name])));
    const preview = h('div', { class: 'tp-preview', 'aria-live': 'polite' });
    const send = h('button', { class: 'button button-primary tp-send', type: 'submit', text: 'Send to shopper' });
    send.disabled = !t.sendable;
    if (!t.sendable) send.title = 'For you only: this tool is never sent to the shopper';
    form.append(h('div', { class: 'tp-actions' }, send));
    form.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => refresh(form, preview), 300); });
    form.addEventListener('submit', (ev) => { ev.preventDefault(); if (t.sendable) sendCard(form, preview, false); });
    panel.querySelector('#tp-body').replaceChildren(form, preview);
    refresh(form, preview);
    form.querySelector('input, select')?.focus();
  }

  async function refresh(form, preview) {
    const conversation = getConversation();
    const t = current;
    if (!conversation || !t) return;
    const mine = ++generation;
    try {
      const answer = await request('POST', sitePath(siteId, `/tools/${encodeURIComponent(t.name)}`),
        { conversation_id: conversation, params: readForm(form) });
      if (current !== t || mine !== generation) return;
      show(preview, answer);
    } catch (err) {
      if (current === t && mine === generation) preview.replaceChildren(h('p', { class: 'tp-error', role: 'alert', text: str(err.message) }));
    }
  }

  function show(preview, answer) {
    const warnings = arr(answer.warnings).map((w) => h('p', { class: 'tp-warning', role: 'alert', text: str(w) }));
    const context = answer.context && typeof answer.context === 'object'
      ? Object.entries(answer.context).filter(([, v]) => v !== null && v !== undefined && v !== '') : [];
    const parts = [...warnings,
      answer.card ? renderCard(answer.card) : h('p', { class: 'tp-muted', text: 'Nothing to send — see the notes below.' }),
      context.length ? h('dl', { class: 'tp-context' }, context.flatMap(([k, v]) => [
        h('dt', { text: k.replace(/_/g, ' ') }),
        h('dd', { text: Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : str(x))).join(' · ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : str(v) }),
      ])) : null];
    preview.replaceChildren(...parts.filter(Boolean));
  }

  async function sendCard(form, preview, confirm) {
    const conversation = getConversation();
    const t = current;
    if (!conversation || !t) return;
    clearTimeout(timer);  // a preview still on its way must not wipe "Sent to the shopper"
    generation += 1;
    const body = { client_id: newClientId(), kind: 'card', tool: t.name, params: readForm(form) };
    if (confirm) body.confirm = true;
    try {
      await request('POST', sitePath(siteId, `/chat/conversations/${encodeURIComponent(conversation)}/messages`), body);
      preview.prepend(h('p', { class: 'tp-sent', role: 'status', text: 'Sent to the shopper.' }));
    } catch (err) {
      if (err.status === 409 && err.code === 'budget_warning') {
        const yes = h('button', { class: 'button tp-confirm', type: 'button', text: 'Send anyway',
          on: { click: () => { box.remove(); sendCard(form, preview, true); } } });
        const box = h('div', { class: 'tp-confirm-box', role: 'alertdialog', 'aria-label': 'Budget warning' },
          h('p', { class: 'tp-warning', text: str(err.message) }), yes,
          h('button', { class: 'button', type: 'button', text: 'Cancel', on: { click: () => box.remove() } }));
        preview.prepend(box);
        yes.focus();
      } else {
        preview.prepend(h('p', { class: 'tp-error', role: 'alert', text: str(err.message) }));
        fail(err);
      }
    }
  }

  button.addEventListener('click', () => (panel.hidden ? open() : close()));
  panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { close(); button.focus(); } });
  return { open, close };
}
