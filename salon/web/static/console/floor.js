// Salon console — the live floor.
//
// Opens /ws/floor, applies snapshot/delta frames into a Map keyed by visit id and renders one tile per
// visitor. Tiles are keyed DOM nodes updated in place; renders are batched per animation frame so a
// floor of 1,000 visitors stays smooth.
//
// Protocol (docs/api.md): hello {type, csrf, site_id, last_seq, epoch}; snapshot replaces the whole state;
// a delta must carry seq === last + 1, otherwise we reconnect with last_seq to get the missing deltas
// replayed (or a resync snapshot). Reconnects use exponential back-off with full jitter.
//
// Every visitor-controlled string goes through textContent / createTextNode. Never innerHTML.

import { renderAvatar, avatarKey, describeAvatar } from './avatar.js';
import { activeAlert, ringAlert } from './floor-alert.js';

// ---------------------------------------------------------------- small DOM + format helpers

const UNSAFE_ATTR = /^(on|href$|src$|srcdoc$|style$|formaction$|xlink:href$|action$)/i;

/**
 * h('div', {class: 'x', dataset: {a: 1}, text: 'plain text'}, child, 'text child', ...)
 * Text (props.text and string children) is always inserted as text nodes.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = String(v);
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'dataset') {
        for (const [dk, dv] of Object.entries(v)) if (dv !== null && dv !== undefined) el.dataset[dk] = String(dv);
      } else if (k === 'on') {
        for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      } else {
        if (UNSAFE_ATTR.test(k)) throw new Error(`refusing to set attribute ${k}`);
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  for (const c of children) append(el, c);
  return el;
}

function append(el, c) {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) { for (const x of c) append(el, x); return; }
  if (c instanceof Node) el.appendChild(c);
  else el.appendChild(document.createTextNode(String(c)));
}

/** Set text only when it changed (cheap diff against the live node). */
function setText(el, text) {
  const t = text === null || text === undefined ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

const moneyFormats = new Map();
export function formatMoney(value, currency) {
  const v = Number(value);
  if (!Number.isFinite(v)) return '';
  const cur = typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'EUR';
  let f = moneyFormats.get(cur);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur, maximumFractionDigits: v >= 1000 ? 0 : 2, minimumFractionDigits: 0 });
    } catch {
      f = { format: (n) => `${n.toFixed(2)} ${cur}` };
    }
    moneyFormats.set(cur, f);
  }
  return f.format(v);
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  return `${hrs} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatAgo(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  if (d < 60) return `${d} d ago`;
  return new Date(t).toLocaleDateString();
}

export const PAGE_TYPES = ['home', 'category', 'product', 'search', 'cart', 'checkout', 'confirmation', 'account', 'info', 'other'];

const PAGE_TYPE_LABEL = {
  home: 'Home', category: 'Category', product: 'Product', search: 'Search', cart: 'Cart', checkout: 'Checkout',
  confirmation: 'Order placed', account: 'Account', info: 'Info', other: 'Other',
};
export function pageTypeLabel(type) {
  return PAGE_TYPE_LABEL[type] || 'Page';
}

// ---------------------------------------------------------------- filters and sorting

const FILTERS = {
  all: () => true,
  cart: (v) => (v.cart?.items || 0) > 0,
  high_value: (v) => Boolean(v.high_value),
  stalled: (v) => Boolean(v.stalled),
  identified: (v) => Boolean(v.identified),
  chatting: (v) => Boolean(v.avatar?.bubble),
};

const num = (x) => (Number.isFinite(Number(x)) ? Number(x) : 0);
const startedMs = (v) => { const t = Date.parse(v.started_at); return Number.isFinite(t) ? t : 0; };
const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const SORTS = {
  attention: (a, b) => num(b.attention) - num(a.attention) || num(b.cart?.value) - num(a.cart?.value) || byId(a, b),
  cart_value: (a, b) => num(b.cart?.value) - num(a.cart?.value) || num(b.attention) - num(a.attention) || byId(a, b),
  time_on_site: (a, b) => num(b.time_on_site) - num(a.time_on_site) || byId(a, b),
  intent: (a, b) => num(b.intent) - num(a.intent) || num(b.attention) - num(a.attention) || byId(a, b),
  risk: (a, b) => num(b.abandonment_risk) - num(a.abandonment_risk) || num(b.cart?.value) - num(a.cart?.value) || byId(a, b),
  newest: (a, b) => startedMs(b) - startedMs(a) || byId(a, b),
};

// ---------------------------------------------------------------- tiles

function badgeList(v) {
  const out = [];
  const seen = new Set();
  const add = (text, kind) => {
    if (typeof text !== 'string' || !text.trim()) return;
    const key = text.trim().toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push([text.trim(), kind]);
  };
  for (const b of v.avatar?.badges || []) add(b, 'badge');
  if (v.checkout_step !== null && v.checkout_step !== undefined) add(`checkout step ${v.checkout_step}`, 'checkout');
  for (const t of v.avatar?.tags || []) add(t, 'tag');
  for (const t of Array.isArray(v.tags) ? v.tags : []) add(t, 'label'); // set by a playbook
  if (v.idle) add('idle', 'tag');
  return out;
}

class Tile {
  constructor(id, onOpen) {
    this.id = id;
    this.last = {};
    this.flip = false;
    this.el = h('div', {
      class: 'visitor',
      role: 'listitem',
      dataset: { visitId: id },
    });
    this.button = h('button', { class: 'visitor-open', type: 'button' });
    this.avatarSlot = h('span', { class: 'visitor-avatar' });
    this.labelEl = h('span', { class: 'visitor-label' });
    this.typeEl = h('span', { class: 'visitor-page-type' });
    this.titleEl = h('span', { class: 'visitor-page-title' });
    this.cartEl = h('span', { class: 'visitor-cart' });
    this.timeEl = h('span', { class: 'visitor-time' });
    this.badgesEl = h('div', { class: 'visitor-badges' });
    this.attnEl = h('span', { class: 'visitor-attention-bar' });
    this.alertEl = h('p', { class: 'visitor-alert', role: 'status', hidden: true });
    this.button.append(
      this.avatarSlot,
      h('span', { class: 'visitor-main' },
        h('span', { class: 'visitor-head' }, this.labelEl, this.timeEl),
        h('span', { class: 'visitor-page' }, this.typeEl, this.titleEl),
        this.cartEl),
    );
    this.el.append(h('span', { class: 'visitor-attention', 'aria-hidden': 'true' }, this.attnEl), this.button, this.alertEl, this.badgesEl);
    this.button.addEventListener('click', () => onOpen(this.id));
  }

  /** Update the tile in place; returns true when anything visible changed. */
  update(v, receivedAt, now) {
    const L = this.last;
    let changed = false;
    const el = this.el;
    const ds = el.dataset;

    const av = { ...(v.avatar || {}), seed: v.id };
    const aKey = avatarKey(av);
    if (L.aKey !== aKey) {
      const svg = renderAvatar(av);
      this.avatarSlot.replaceChildren(svg);
      L.aKey = aKey;
      ds.mood = svg.getAttribute('data-mood');
      ds.bag = svg.getAttribute('data-bag');
      ds.ribbon = svg.getAttribute('data-ribbon');
      L.desc = describeAvatar(av);
      changed = true;
    }

    const flags = {
      stalled: Boolean(v.stalled), identified: Boolean(v.identified), highValue: Boolean(v.high_value),
      returning: Boolean(v.returning), idle: Boolean(v.idle), chatting: Boolean(v.avatar?.bubble),
      hourglass: Boolean(v.avatar?.hourglass),
    };
    for (const [k, val] of Object.entries(flags)) {
      const s = val ? 'true' : 'false';
      if (ds[k] !== s) ds[k] = s;
    }
    const pageType = typeof v.page?.type === 'string' ? v.page.type : '';
    if (ds.pageType !== pageType) ds.pageType = pageType;
    const glow = v.avatar?.glow ? 'true' : 'false';
    if (ds.glow !== glow) ds.glow = glow;
    ds.intent = v.intent == null ? '' : num(v.intent).toFixed(2);
    ds.risk = v.abandonment_risk == null ? '' : num(v.abandonment_risk).toFixed(2);
    const attention = Math.max(0, Math.min(1, num(v.attention)));
    const attnStr = attention.toFixed(2);
    if (ds.attention !== attnStr) {
      ds.attention = attnStr;
      this.attnEl.style.width = `${Math.round(attention * 100)}%`;
      ds.attentionLevel = attention >= 0.7 ? 'high' : attention >= 0.4 ? 'medium' : 'low';
    }

    const label = typeof v.label === 'string' && v.label ? v.label : 'Visitor';
    if (L.label !== label) { setText(this.labelEl, label); L.label = label; changed = true; }

    const title = typeof v.page?.title === 'string' && v.page.title.trim() ? v.page.title : (typeof v.page?.url === 'string' ? v.page.url : '—');
    if (L.title !== title) {
      setText(this.titleEl, title);
      this.titleEl.title = title; // attribute value, not markup
      L.title = title;
      changed = true;
    }
    const typeText = pageType ? pageTypeLabel(pageType) : '';
    if (L.typeText !== typeText) { setText(this.typeEl, typeText); this.typeEl.hidden = !typeText; L.typeText = typeText; }

    const items = num(v.cart?.items);
    const cartValue = items > 0 ? formatMoney(v.cart?.value, v.cart?.currency) : '';
    const cartItems = items > 0 ? `${items} item${items === 1 ? '' : 's'}` : 'Empty cart';
    const cartText = items > 0 ? `${cartValue} · ${cartItems}` : cartItems;
    if (L.cartText !== cartText) {
      if (items > 0) {
        this.cartEl.replaceChildren(h('strong', { class: 'visitor-cart-value', text: cartValue }), h('span', { class: 'visitor-cart-items', text: cartItems }));
      } else {
        this.cartEl.replaceChildren(h('span', { class: 'visitor-cart-items', text: cartItems }));
      }
      this.cartEl.classList.toggle('is-empty', items <= 0);
      L.cartText = cartText;
      changed = true;
    }

    this.updateTime(v, receivedAt, now);

    const badges = badgeList(v);
    const bKey = badges.map((b) => b.join(':')).join('|');
    if (L.bKey !== bKey) {
      const shown = badges.slice(0, 4);
      const chips = shown.map(([text, kind]) => h('span', { class: `chip chip-${kind}`, text }));
      if (badges.length > shown.length) chips.push(h('span', { class: 'chip chip-more', text: `+${badges.length - shown.length}`, title: badges.slice(4).map((b) => b[0]).join(', ') }));
      this.badgesEl.replaceChildren(...chips);
      this.badgesEl.hidden = chips.length === 0;
      L.bKey = bKey;
      changed = true;
    }

    const aria = `${label}: ${L.desc}. ${typeText ? `${typeText} page: ` : ''}${title}. ${cartText}.`;
    if (L.aria !== aria) { this.button.setAttribute('aria-label', aria); L.aria = aria; }

    if (changed && L.rendered) {
      this.flip = !this.flip;
      el.classList.toggle('pulse-a', this.flip);
      el.classList.toggle('pulse-b', !this.flip);
    }
    L.rendered = true;
    return changed;
  }

  /** A playbook's alert: pulse and show its text while it is under two minutes old. */
  updateAlert(v, now) {
    const alert = activeAlert(v, now);
    const text = alert ? alert.message || 'A playbook asks you to look' : '';
    if (this.last.alertText === text) return false;
    this.last.alertText = text;
    this.el.dataset.alert = alert ? 'true' : 'false';
    setText(this.alertEl, text);
    this.alertEl.title = alert && alert.playbook ? `Playbook: ${alert.playbook}` : '';
    this.alertEl.hidden = !alert;
    return true;
  }

  updateTime(v, receivedAt, now) {
    this.updateAlert(v, now);
    const secs = num(v.time_on_site) + Math.max(0, (now - receivedAt) / 1000);
    const t = formatDuration(secs);
    if (this.last.timeText !== t) {
      setText(this.timeEl, t);
      this.timeEl.title = `On the site for ${t}; on this page ${formatDuration(v.time_on_page)}`;
      this.last.timeText = t;
    }
  }
}

// ---------------------------------------------------------------- the floor

/**
 * createFloor({siteId, csrf, onOpen(visitId), onVisitChanged(visit), onVisitRemoved(id), onAuthProblem()})
 * Binds to the toolbar and #floor in index.html. Returns {stop(), getVisit(id), setSelected(id)}.
 */
export function createFloor(options) {
  const { siteId, csrf } = options;
  const onOpen = options.onOpen || (() => {});
  const onVisitChanged = options.onVisitChanged || (() => {});
  const onVisitRemoved = options.onVisitRemoved || (() => {});
  const onAuthProblem = options.onAuthProblem || (() => {});

  const $ = (id) => document.getElementById(id);
  const container = $('floor');
  const emptyEl = $('floor-empty');
  const bannerEl = $('floor-banner');
  const statusEl = $('floor-status');
  const counts = {
    total: $('floor-count'), cart: $('count-cart'), stalled: $('count-stalled'),
    identified: $('count-identified'), high_value: $('count-high-value'), chatting: $('count-chatting'),
    shown: $('count-shown'),
  };
  const filterButtons = Array.from(document.querySelectorAll('[data-filter]'));
  const pageTypeSelect = $('filter-page-type');
  const textInput = $('filter-text');
  const sortSelect = $('floor-sort');

  /** visit id -> {v: VisitSummary, at: ms received} */
  const state = new Map();
  const tiles = new Map();
  let seq = null;
  let epoch = null;  // the node whose sequence numbers `seq` counts (a resume elsewhere resyncs)
  let ws = null;
  let stopped = false;
  let attempt = 0;
  let reconnectTimer = 0;
  let failuresSinceLive = 0;

  const rung = new Set(); // visit id + alert time: each alert rings once, even after a resync

  function noticeAlert(v, now) {
    const alert = activeAlert(v, now);
    if (!alert) return;
    const key = `${v.id}:${alert.at}`;
    if (rung.has(key)) return;
    if (rung.size > 5000) rung.clear();
    rung.add(key);
    ringAlert(alert, typeof v.label === 'string' && v.label ? v.label : 'Visitor');
  }

  const view = { filter: 'all', pageType: '', text: '', sort: 'attention' };
  let selectedId = null;

  // render batching
  const dirty = new Set();
  const removed = new Set();
  let layoutDirty = true;
  let rafHandle = 0;
  let timerHandle = 0;

  const body = document.body;
  container.replaceChildren();
  container.setAttribute('aria-busy', 'true');
  body.dataset.floorStatus = 'connecting';
  delete body.dataset.floorSeq;

  // ---- toolbar wiring
  const listeners = [];
  const listen = (el, ev, fn) => { if (!el) return; el.addEventListener(ev, fn); listeners.push([el, ev, fn]); };

  function syncFilterButtons() {
    for (const b of filterButtons) b.setAttribute('aria-pressed', b.dataset.filter === view.filter ? 'true' : 'false');
  }
  for (const b of filterButtons) {
    listen(b, 'click', () => {
      view.filter = FILTERS[b.dataset.filter] ? b.dataset.filter : 'all';
      syncFilterButtons();
      scheduleLayout();
    });
  }
  syncFilterButtons();
  if (pageTypeSelect) {
    if (pageTypeSelect.options.length <= 1) {
      for (const t of PAGE_TYPES) pageTypeSelect.append(h('option', { value: t, text: pageTypeLabel(t) }));
    }
    view.pageType = pageTypeSelect.value;
    listen(pageTypeSelect, 'change', () => { view.pageType = pageTypeSelect.value; scheduleLayout(); });
  }
  let textTimer = 0;
  if (textInput) {
    view.text = textInput.value.trim().toLowerCase();
    listen(textInput, 'input', () => {
      clearTimeout(textTimer);
      textTimer = setTimeout(() => { view.text = textInput.value.trim().toLowerCase(); scheduleLayout(); }, 120);
    });
  }
  if (sortSelect) {
    view.sort = SORTS[sortSelect.value] ? sortSelect.value : 'attention';
    listen(sortSelect, 'change', () => { view.sort = SORTS[sortSelect.value] ? sortSelect.value : 'attention'; scheduleLayout(); });
  }

  // ---- status
  function setStatus(status, detail) {
    if (body.dataset.floorStatus !== status) body.dataset.floorStatus = status;
    if (statusEl) {
      statusEl.dataset.status = status;
      setText(statusEl, status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…');
      statusEl.title = detail || '';
    }
  }
  function showBanner(text) {
    if (!bannerEl) return;
    setText(bannerEl, text || '');
    bannerEl.hidden = !text;
  }

  // ---- socket
  function connect() {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    let sock;
    try {
      sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/floor`);
    } catch (err) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.addEventListener('open', () => {
      if (ws !== sock) return;
      sock.send(JSON.stringify({ type: 'hello', csrf, site_id: siteId, last_seq: seq, epoch }));
    });
    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (!msg || typeof msg !== 'object') return;
      handleFrame(sock, msg);
    });
    sock.addEventListener('close', (ev) => {
      if (ws !== sock) return;
      ws = null;
      if (stopped) return;
      failuresSinceLive += 1;
      setStatus('reconnecting', ev.reason || '');
      // policy / auth closes: let the console check the session (it may show the login form)
      if (ev.code === 1008 || ev.code === 4401 || ev.code === 4403 || failuresSinceLive % 3 === 0) onAuthProblem();
      scheduleReconnect();
    });
  }

  function scheduleReconnect(immediate = false) {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    // exponential back-off with full jitter: 0.5 s, 1 s, 2 s ... capped at 30 s
    const cap = Math.min(30000, 500 * 2 ** Math.min(attempt, 6));
    const delay = immediate ? Math.random() * 250 : cap / 2 + Math.random() * (cap / 2);
    attempt += 1;
    reconnectTimer = setTimeout(connect, delay);
  }

  /** A gap in the delta sequence: drop this socket and ask again from last_seq. */
  function resync(sock) {
    if (ws === sock) ws = null;
    try { sock.close(4000, 'resync'); } catch { /* ignore */ }
    setStatus('reconnecting', 'catching up');
    scheduleReconnect(attempt < 3);
  }

  function goLive() {
    attempt = 0;
    failuresSinceLive = 0;
    showBanner('');
    setStatus('live');
  }

  function handleFrame(sock, msg) {
    const now = Date.now();
    if (msg.type === 'snapshot') {
      if (typeof msg.epoch === 'string') epoch = msg.epoch;  // whose seq numbers (several nodes)
      const next = new Set();
      for (const v of Array.isArray(msg.visits) ? msg.visits : []) {
        if (!v || typeof v.id !== 'string') continue;
        next.add(v.id);
        state.set(v.id, { v, at: now });
        dirty.add(v.id);
        noticeAlert(v, now);
        onVisitChanged(v);
      }
      for (const id of Array.from(state.keys())) {
        if (!next.has(id)) { state.delete(id); dirty.delete(id); removed.add(id); onVisitRemoved(id); }
      }
      seq = Number.isInteger(msg.seq) ? msg.seq : seq;
      layoutDirty = true;
      goLive();
      schedule();
    } else if (msg.type === 'delta') {
      if (!Number.isInteger(msg.seq)) return;
      if (seq === null) { resync(sock); return; }
      if (msg.seq <= seq) return; // already applied (replay overlap)
      if (msg.seq !== seq + 1) { resync(sock); return; }
      for (const v of Array.isArray(msg.upsert) ? msg.upsert : []) {
        if (!v || typeof v.id !== 'string') continue;
        state.set(v.id, { v, at: now });
        removed.delete(v.id);
        dirty.add(v.id);
        noticeAlert(v, now);
        onVisitChanged(v);
      }
      for (const id of Array.isArray(msg.remove) ? msg.remove : []) {
        if (typeof id !== 'string') continue;
        if (state.delete(id)) onVisitRemoved(id);
        dirty.delete(id);
        removed.add(id);
      }
      seq = msg.seq;
      layoutDirty = true;
      if (body.dataset.floorStatus !== 'live') goLive();
      schedule();
    } else if (msg.type === 'error') {
      const text = typeof msg.message === 'string' ? msg.message : 'The floor feed reported an error.';
      showBanner(text);
      const code = String(msg.code || '');
      if (/auth|csrf|session|forbidden|login|unauthori[sz]ed|not_allowed|site/i.test(code)) onAuthProblem();
    }
  }

  // ---- rendering
  function schedule() {
    if (rafHandle || timerHandle) return;
    rafHandle = requestAnimationFrame(flush);
    // background tabs do not run animation frames; keep state and DOM converging anyway
    timerHandle = setTimeout(flush, 250);
  }
  function scheduleLayout() {
    layoutDirty = true;
    schedule();
  }

  function matches(v) {
    if (!FILTERS[view.filter](v)) return false;
    if (view.pageType && v.page?.type !== view.pageType) return false;
    if (view.text) {
      const hay = `${typeof v.label === 'string' ? v.label : ''}\n${typeof v.page?.title === 'string' ? v.page.title : ''}`.toLowerCase();
      if (!hay.includes(view.text)) return false;
    }
    return true;
  }

  function flush() {
    if (rafHandle) { cancelAnimationFrame(rafHandle); rafHandle = 0; }
    if (timerHandle) { clearTimeout(timerHandle); timerHandle = 0; }
    if (stopped) return;
    const now = Date.now();

    for (const id of removed) {
      const t = tiles.get(id);
      if (t) { t.el.remove(); tiles.delete(id); }
    }
    removed.clear();

    for (const id of dirty) {
      const entry = state.get(id);
      if (!entry) continue;
      let t = tiles.get(id);
      if (!t) {
        t = new Tile(id, (vid) => onOpen(vid));
        tiles.set(id, t);
      }
      t.update(entry.v, entry.at, now);
      t.el.classList.toggle('is-selected', id === selectedId);
    }
    dirty.clear();

    if (layoutDirty) {
      layoutDirty = false;
      layout();
    }
    container.removeAttribute('aria-busy');
    if (seq !== null) body.dataset.floorSeq = String(seq);
  }

  function layout() {
    const all = Array.from(state.values(), (e) => e.v);
    let nCart = 0; let nStalled = 0; let nIdent = 0; let nHigh = 0; let nChat = 0;
    for (const v of all) {
      if (FILTERS.cart(v)) nCart += 1;
      if (v.stalled) nStalled += 1;
      if (v.identified) nIdent += 1;
      if (v.high_value) nHigh += 1;
      if (v.avatar?.bubble) nChat += 1;
    }
    const visible = all.filter(matches).sort(SORTS[view.sort] || SORTS.attention);
    if (counts.total) setText(counts.total, all.length);
    if (counts.cart) setText(counts.cart, nCart);
    if (counts.stalled) setText(counts.stalled, nStalled);
    if (counts.identified) setText(counts.identified, nIdent);
    if (counts.high_value) setText(counts.high_value, nHigh);
    if (counts.chatting) setText(counts.chatting, nChat);
    if (counts.shown) setText(counts.shown, visible.length);
    for (const b of filterButtons) {
      const c = b.querySelector('.filter-count');
      if (!c) continue;
      const f = FILTERS[b.dataset.filter];
      setText(c, b.dataset.filter === 'all' ? all.length : f ? all.filter(f).length : '');
    }

    // keyed reorder with minimal moves: walk the wanted order against the live children
    let cursor = container.firstElementChild;
    for (const v of visible) {
      const t = tiles.get(v.id);
      if (!t) continue;
      if (t.el === cursor) { cursor = cursor.nextElementSibling; continue; }
      container.insertBefore(t.el, cursor);
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }

    if (emptyEl) {
      const empty = visible.length === 0;
      emptyEl.hidden = !empty;
      if (empty) setText(emptyEl, all.length === 0 ? 'The floor is quiet — nobody is on the site right now.' : 'Nobody on the floor matches these filters.');
    }
  }

  // time on site ticks locally between deltas
  const ticker = setInterval(() => {
    if (stopped || document.hidden) return;
    const now = Date.now();
    for (const [id, t] of tiles) {
      const e = state.get(id);
      if (e) t.updateTime(e.v, e.at, now);
    }
  }, 5000);

  setStatus('connecting');
  connect();

  return {
    stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimeout(textTimer);
      clearInterval(ticker);
      if (rafHandle) cancelAnimationFrame(rafHandle);
      if (timerHandle) clearTimeout(timerHandle);
      rafHandle = 0; timerHandle = 0;
      for (const [el, ev, fn] of listeners) el.removeEventListener(ev, fn);
      if (ws) { const s = ws; ws = null; try { s.close(1000, 'bye'); } catch { /* ignore */ } }
      state.clear();
      tiles.clear();
      container.replaceChildren();
      delete body.dataset.floorStatus;
      delete body.dataset.floorSeq;
    },
    getVisit(id) {
      return state.get(id)?.v || null;
    },
    setSelected(id) {
      const prev = selectedId;
      selectedId = id || null;
      if (prev && tiles.get(prev)) tiles.get(prev).el.classList.remove('is-selected');
      if (selectedId && tiles.get(selectedId)) tiles.get(selectedId).el.classList.add('is-selected');
    },
    focusTile(id) {
      const t = tiles.get(id);
      if (t && t.el.isConnected) t.button.focus();
    },
  };
}
