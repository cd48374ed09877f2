// Salon console — the associate's chat workspace.
//
// Binds to the chat markup in index.html: the availability switch in the top bar, the queue
// (#chat-queue), the associate's chats as tabs (#chat-tabs), the active chat (#chat-panel) with its
// tools, the visitor's live story beside it (#chat-story, story.js) and the supervisor banner
// (#chat-alert). Protocol: docs/chat-api.md.
//
// Delivery: every message the associate sends gets a client id and shows as pending until the HTTP
// answer names its server id; failures retry with the same client id (the server stores it once).
// Messages are keyed by server id, so the WebSocket echo and the HTTP answer never show twice.
// The socket reconnects with back-off and full jitter; every time it goes live the open
// conversations are refetched over HTTP (their message lists are complete), so nothing is missed.
//
// Everything shopper-controlled is set as text. Links only for absolute http(s) URLs, opened with
// rel="noopener noreferrer". No innerHTML anywhere.

import { h, formatMoney } from './floor.js';
import { renderAvatar, avatarKey } from './avatar.js';
import { createStory } from './story.js';
import { createTimeline } from './timeline.js';
import { createApi, sitePath, newClientId, httpUrl, str } from './chat-api.js';
import { createTools, productThumb } from './chat-tools.js';
import { createToolsPanel, renderCard } from './tools.js';

const $ = (id) => document.getElementById(id);
const arr = (x) => (Array.isArray(x) ? x : []);
const isId = (x) => typeof x === 'string' && x.length > 0 && x.length <= 64;
const ACTIVE_KEY = 'salon.console.chat';

const KINDS = new Set(['text', 'product_card', 'page_push', 'system', 'note', 'card']);
const SENDERS = new Set(['visitor', 'associate', 'system']);
const NOTE_LABEL = 'Internal note — the shopper does not see this';
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const MAX_BODY = 10000;

const SYSTEM_TEXT = {
  joined: 'An associate joined the chat',
  transferred: 'The chat was transferred',
  closed: 'The chat was closed',
  queued: 'The shopper is waiting in the queue',
  offline: 'The shopper left a message',
};

export function conversationLabel(c) {
  return str(c?.name).trim() || str(c?.visitor_label).trim() || 'Visitor';
}

function shortLabel(c, max = 24) {
  const label = conversationLabel(c);
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** Text with absolute http(s) URLs turned into safe links; everything else stays text. */
export function richText(text) {
  const s = str(text);
  const out = [];
  let last = 0;
  for (const match of s.matchAll(URL_RE)) {
    const trimmed = match[0].replace(/[.,;:!?)\]}»”’]+$/, '');
    const href = httpUrl(trimmed);
    if (!href) continue;
    if (match.index > last) out.push(s.slice(last, match.index));
    out.push(safeLink(href, trimmed, 'chat-link'));
    last = match.index + trimmed.length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function safeLink(href, text, cls) {
  const a = h('a', { class: cls, target: '_blank', rel: 'noopener noreferrer', text });
  a.href = href;
  return a;
}

function clock(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function waitText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

function pickConversation(data) {
  if (!data || typeof data !== 'object') return null;
  if (data.conversation && isId(data.conversation.id)) return data.conversation;
  if (isId(data.id) && typeof data.status === 'string') return data;
  return null;
}

function messagePreview(m) {
  if (!m) return '';
  if (m.kind === 'product_card') return `Product: ${str(m.data?.name) || str(m.body)}`;
  if (m.kind === 'card') return `Card: ${str(m.data?.card?.title) || str(m.body)}`;
  if (m.kind === 'page_push') return `Page: ${str(m.data?.title) || str(m.body) || str(m.data?.url)}`;
  return str(m.body);
}

/**
 * createChat({siteId, csrf, me: {id, name, role}, getVisit(id), onOpenVisit(visitId), onAuthProblem()})
 * → {stop(), visitChanged(v), visitRemoved(id), sectionChanged(section)}
 */
export function createChat(options) {
  const { siteId, csrf } = options;
  const me = { id: str(options.me?.id), name: str(options.me?.name) || 'Associate' };
  const myAuthor = me.name.trim().split(/\s+/)[0] || me.name; // the server signs messages with the first name
  const getVisit = options.getVisit || (() => null);
  const onOpenVisit = options.onOpenVisit || (() => {});
  const onAuthProblem = options.onAuthProblem || (() => {});
  const request = createApi({ csrf, onAuthProblem });
  const body = document.body;
  const baseTitle = document.title;

  const els = {
    queue: $('chat-queue'), queueEmpty: $('chat-queue-empty'), queueCount: $('queue-count'), queueCountRail: $('queue-count-rail'),
    tabs: $('chat-tabs'), tabsEmpty: $('chat-tabs-empty'), tabsCount: $('tabs-count'),
    panel: $('chat-panel'), headAvatar: $('chat-head-avatar'), title: $('chat-title'), reference: $('chat-reference'),
    status: $('chat-status'), offline: $('chat-offline'), email: $('chat-email'),
    visitorBtn: $('chat-visitor'), closeBtn: $('chat-close'), dismissBtn: $('chat-dismiss'), notice: $('chat-notice'),
    messages: $('chat-messages'), typing: $('chat-typing'), compose: $('chat-compose'), input: $('chat-input'),
    send: $('chat-send'), noteMode: $('chat-note-mode'), hint: $('composer-hint'), toolPanel: $('tool-panel'),
    none: $('chat-none'), noneText: $('chat-none-text'), storyRoot: $('chat-story'),
    alert: $('chat-alert'), alertText: $('chat-alert-text'), alertDismiss: $('chat-alert-dismiss'),
    toast: $('chat-toast'), availability: $('availability'), availabilityLabel: $('availability-label'),
    maxChats: $('max-chats'), load: $('chat-load'), conn: $('chat-conn'), unreadDot: $('unread-dot'),
  };

  /** id → {id, c: ConsoleConversation, msgs: Map id→Message, outbox: Map clientId→entry, nodes, unread, ...} */
  const convs = new Map();
  let order = [];
  let activeId = null;
  let queue = []; // [{c, at}]
  const queueNodes = new Map();
  const tabNodes = new Map();
  const dropped = new Map(); // conversation id → ms until which a stale queue frame may not bring it back
  const claiming = new Set();
  let noteMode = false;
  let stopped = false;
  let ws = null;
  let attempt = 0;
  let reconnectTimer = 0;
  let lastFrameAt = 0;
  let failuresSinceLive = 0;
  let resyncGen = 0;
  let restored = false;
  let presence = null;
  let presenceTimer = 0;
  let toastTimer = 0;
  let section = body.dataset.section || 'floor';

  const listeners = [];
  const listen = (el, ev, fn, opts) => { if (!el) return; el.addEventListener(ev, fn, opts); listeners.push([el, ev, fn, opts]); };

  const story = createStory({
    root: els.storyRoot,
    getSiteId: () => siteId,
    onAuthProblem,
    idPrefix: 'chat-story',
    focusOnOpen: false,
    closable: false,
  });
  // the customer's other channels (timeline.js), at the top of the story beside the chat
  const timeline = createTimeline({ root: els.storyRoot, request, getSiteId: () => siteId });

  const tools = createTools({
    request,
    siteId,
    panel: els.toolPanel,
    buttons: [$('tool-product'), $('tool-push'), $('tool-canned'), $('tool-transfer')],
    getContext: () => ({ conv: active()?.c || null, me }),
    sendProduct: (p) => {
      const conv = active();
      if (!conv || !writable(conv)) return;
      const data = {
        product_id: str(p.product_id), name: str(p.name), price: p.price, currency: str(p.currency),
        image: str(p.image), url: str(p.url),
      };
      queueSend(conv, { kind: 'product_card', product_id: data.product_id }, { kind: 'product_card', body: data.name, data });
      els.input.focus();
    },
    sendPush: (url, title) => {
      const conv = active();
      if (!conv || !writable(conv)) return;
      const payload = { kind: 'page_push', url };
      if (title) payload.title = title;
      queueSend(conv, payload, { kind: 'page_push', body: title || url, data: { url, title: title || url, mode: 'navigate' } });
      els.input.focus();
    },
    fill: (text) => fillComposer(text),
    transfer: (associate) => transferTo(associate),
    onClosed: () => els.input.focus(),
  });

  if ($('tool-touch') && $('touch-panel')) {
    createToolsPanel({
      request,
      siteId,
      button: $('tool-touch'),
      panel: $('touch-panel'),
      getConversation: () => (active() && writable(active()) ? active().id : null),
      onError: (err) => toast(str(err.message), 'error'),
    });
  }

  // ================================================================= small helpers

  function active() { return activeId ? convs.get(activeId) || null : null; }

  function writable(conv) {
    return Boolean(conv) && conv.c.status === 'active' && !conv.ended;
  }

  function isSeen(conv) {
    return conv.id === activeId && !document.hidden && body.dataset.chatDock !== 'empty';
  }

  function toast(text, kind = 'info') {
    clearTimeout(toastTimer);
    if (!els.toast) return;
    els.toast.textContent = text || '';
    els.toast.dataset.kind = kind;
    els.toast.hidden = !text;
    if (text) toastTimer = setTimeout(() => { els.toast.hidden = true; }, kind === 'error' ? 7000 : 4500);
  }

  function avatarFor(c, size) {
    const v = c?.visit_id ? getVisit(c.visit_id) : null;
    const spec = { ...(v?.avatar || {}), seed: str(c?.visit_id || c?.id) };
    const svg = renderAvatar(spec);
    svg.setAttribute('width', String(size));
    svg.setAttribute('height', String(size));
    return { svg, key: avatarKey(spec) };
  }

  function setAvatar(slot, c, size) {
    const v = c?.visit_id ? getVisit(c.visit_id) : null;
    const key = avatarKey({ ...(v?.avatar || {}), seed: str(c?.visit_id || c?.id) });
    if (slot.dataset.avatarKey === key) return;
    slot.replaceChildren(avatarFor(c, size).svg);
    slot.dataset.avatarKey = key;
  }

  function maxSeq(conv) {
    let m = 0;
    for (const x of conv.msgs.values()) if (Number.isInteger(x.seq) && x.seq > m) m = x.seq;
    return m;
  }

  // ================================================================= presence (availability switch)

  function setPresence(p) {
    if (!p || typeof p !== 'object') return;
    presence = {
      availability: p.availability === 'available' ? 'available' : 'away',
      max_chats: Number.isInteger(p.max_chats) ? p.max_chats : presence?.max_chats ?? 3,
      active: Number.isInteger(p.active) ? p.active : presence?.active ?? 0,
    };
    const on = presence.availability === 'available';
    els.availability.checked = on;
    els.availability.disabled = false;
    els.availability.setAttribute('aria-checked', on ? 'true' : 'false');
    els.availabilityLabel.textContent = on ? 'Available' : 'Away';
    body.dataset.availability = presence.availability;
    if (document.activeElement !== els.maxChats) els.maxChats.value = String(presence.max_chats);
    els.maxChats.disabled = false;
    els.load.textContent = String(presence.active);
    updateNone();
  }

  async function loadPresence() {
    try {
      setPresence(await request('GET', '/api/chat/me'));
    } catch (err) {
      if (err?.status && err.status !== 401) toast(`Could not load your availability: ${err.message}`, 'error');
    }
  }

  async function putPresence(change) {
    const before = presence ? { ...presence } : null;
    if (presence) setPresence({ ...presence, ...change });
    try {
      setPresence(await request('PUT', '/api/chat/me', change));
    } catch (err) {
      if (before) setPresence(before);
      toast(err.message || 'Could not change your availability.', 'error');
    }
  }

  listen(els.availability, 'change', () => {
    putPresence({ availability: els.availability.checked ? 'available' : 'away' });
  });
  function commitMaxChats() {
    clearTimeout(presenceTimer);
    const n = parseInt(els.maxChats.value, 10);
    if (!Number.isFinite(n)) { if (presence) els.maxChats.value = String(presence.max_chats); return; }
    const v = Math.max(1, Math.min(10, n));
    if (String(v) !== els.maxChats.value) els.maxChats.value = String(v);
    if (presence && presence.max_chats === v) return;
    putPresence({ max_chats: v });
  }
  listen(els.maxChats, 'change', commitMaxChats);
  listen(els.maxChats, 'input', () => {
    clearTimeout(presenceTimer);
    presenceTimer = setTimeout(() => { if (els.maxChats.value !== '') commitMaxChats(); }, 700);
  });
  listen(els.maxChats, 'keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); commitMaxChats(); } });

  // ================================================================= socket

  function setConn(status) {
    body.dataset.chatStatus = status;
    if (els.conn) {
      els.conn.dataset.status = status;
      els.conn.textContent = status === 'connecting' ? 'Chat connecting…' : 'Chat reconnecting…';
      els.conn.hidden = status === 'live';
    }
  }

  function sendFrame(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      try { ws.send(JSON.stringify(frame)); return true; } catch { return false; }
    }
    return false;
  }

  function connect() {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    let sock;
    try {
      sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat/console`);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.addEventListener('open', () => {
      if (ws !== sock) return;
      lastFrameAt = Date.now();
      sock.send(JSON.stringify({ type: 'hello', csrf, site_id: siteId }));
    });
    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      lastFrameAt = Date.now();
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
      if (body.dataset.chatStatus !== 'live' && msg.type !== 'error') goLive();
      handleFrame(msg);
    });
    sock.addEventListener('close', (ev) => {
      if (ws !== sock) return;
      ws = null;
      if (stopped) return;
      failuresSinceLive += 1;
      setConn('reconnecting');
      for (const conv of convs.values()) conv.typingOn = false;
      if (ev.code === 1008 || ev.code === 4401 || ev.code === 4403 || failuresSinceLive % 3 === 0) onAuthProblem();
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (stopped) return;
    clearTimeout(reconnectTimer);
    // exponential back-off with full jitter: ~0.5 s, 1 s, 2 s ... capped at 30 s
    const cap = Math.min(30000, 500 * 2 ** Math.min(attempt, 6));
    const delay = cap / 2 + Math.random() * (cap / 2);
    attempt += 1;
    reconnectTimer = setTimeout(connect, delay);
  }

  function goLive() {
    attempt = 0;
    failuresSinceLive = 0;
    setConn('live');
    resync();
    // anything that failed while we were away goes again, with its own client id
    for (const conv of convs.values()) {
      for (const entry of conv.outbox.values()) if (entry.state !== 'sent' && !entry.inflight) deliver(conv, entry);
    }
  }

  // keep-alive, and notice a socket that died silently (no pong in 60 s)
  const pinger = setInterval(() => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastFrameAt > 60000) {
      const s = ws;
      ws = null;
      try { s.close(4000, 'no pong'); } catch { /* ignore */ }
      setConn('reconnecting');
      scheduleReconnect();
      return;
    }
    sendFrame({ type: 'ping' });
  }, 25000);

  function handleFrame(msg) {
    switch (msg.type) {
      case 'queue': setQueue(arr(msg.conversations)); break;
      case 'conversation': onConversation(msg.conversation); break;
      case 'message': onMessage(msg.conversation_id, msg.message); break;
      case 'typing': onTyping(msg.conversation_id, msg.on); break;
      case 'alert': showAlert(msg); break;
      case 'presence': setPresence(msg); break;
      case 'error': {
        const text = str(msg.message) || 'The chat feed reported an error.';
        toast(text, 'error');
        if (/auth|csrf|session|forbidden|login|unauthori[sz]ed|not_allowed|site/i.test(str(msg.code))) onAuthProblem();
        break;
      }
      default: break; // pong and anything newer
    }
  }

  /** (Re)load the associate's open chats and every open tab's complete message list over HTTP. */
  async function resync() {
    const gen = ++resyncGen;
    loadPresence();
    try {
      const data = await request('GET', sitePath(siteId, '/chat/conversations?scope=mine'));
      if (stopped || gen !== resyncGen) return;
      for (const c of arr(data.conversations)) {
        if (!c || !isId(c.id) || c.status === 'closed') continue;
        upsert(c);
      }
    } catch (err) {
      if (stopped || err?.name === 'AbortError') return;
      if (err?.status && err.status !== 401) toast(`Could not load your chats: ${err.message}`, 'error');
    }
    if (!restored) {
      restored = true;
      let wanted = null;
      try { wanted = sessionStorage.getItem(ACTIVE_KEY); } catch { /* storage disabled */ }
      if (!activeId && order.length) activate(order.includes(wanted) ? wanted : order[0], { focus: false });
    }
    for (const id of order) fetchDetail(convs.get(id));
    renderAll();
  }

  // ================================================================= conversations

  function upsert(c) {
    let conv = convs.get(c.id);
    if (!conv) {
      conv = {
        id: c.id, c, msgs: new Map(), outbox: new Map(), nodes: new Map(), unread: 0,
        typing: false, typingTimer: 0, typingOn: false, lastTypingSent: 0, typingOffTimer: 0,
        draft: '', loaded: false, loading: null, again: false, ended: null, endedTo: '', refetchTimer: 0,
      };
      convs.set(c.id, conv);
      order.push(c.id);
    } else {
      conv.c = { ...conv.c, ...c };
    }
    return conv;
  }

  function fetchDetail(conv) {
    if (!conv || stopped) return;
    if (conv.loading) { conv.again = true; return; }
    conv.again = false;
    conv.loading = request('GET', sitePath(siteId, `/chat/conversations/${encodeURIComponent(conv.id)}`))
      .then((data) => {
        if (stopped || !convs.has(conv.id)) return;
        const c = pickConversation(data);
        if (c) applyConversation(conv, c);
        for (const m of arr(data.messages)) {
          if (m && isId(m.id)) conv.msgs.set(m.id, m);
        }
        for (const m of conv.msgs.values()) if (m.sender === 'associate') matchOutbox(conv, m);
        conv.loaded = true;
        renderConv(conv);
      })
      .catch((err) => {
        if (stopped || !convs.has(conv.id) || err?.name === 'AbortError') return;
        if (err?.status === 404 || err?.status === 403) {
          conv.ended = 'gone';
          renderConv(conv);
        }
      })
      .finally(() => {
        conv.loading = null;
        if (conv.again && convs.has(conv.id)) fetchDetail(conv);
      });
  }

  function scheduleRefetch(conv) {
    clearTimeout(conv.refetchTimer);
    conv.refetchTimer = setTimeout(() => fetchDetail(conv), 300);
  }

  function applyConversation(conv, c) {
    const wasMine = conv.c.associate?.id === me.id;
    conv.c = { ...conv.c, ...c };
    const mine = c.associate?.id === me.id;
    if (c.status !== 'closed' && c.associate && !mine && (wasMine || conv.ended === 'transferred')) {
      conv.ended = 'transferred';
      conv.endedTo = str(c.associate.name);
    } else if (mine && conv.ended === 'transferred') {
      conv.ended = null;
    }
    if (c.status === 'closed') {
      conv.typing = false;
      if (conv.typingOn) stopTyping(conv);
    }
  }

  function onConversation(c) {
    if (!c || !isId(c.id)) return;
    const conv = convs.get(c.id);
    const mine = c.associate?.id === me.id;
    if (!conv) {
      if (mine && c.status === 'active') {
        const fresh = upsert(c);
        fetchDetail(fresh);
        if (claiming.has(c.id)) { renderAll(); return; } // our own claim: claim() opens it
        if (!activeId) activate(fresh.id, { focus: false });
        toast(`${conversationLabel(c)} was routed to you.`);
        renderAll();
      }
      return;
    }
    applyConversation(conv, c);
    renderConv(conv);
  }

  function onMessage(cid, m) {
    if (!m || typeof m !== 'object' || !isId(m.id)) return;
    const conv = convs.get(isId(cid) ? cid : m.conversation_id);
    if (!conv) return; // not one of ours (supervisors get the whole site)
    const prevMax = maxSeq(conv);
    const isNew = !conv.msgs.has(m.id);
    conv.msgs.set(m.id, m);
    if (m.sender === 'associate') matchOutbox(conv, m);
    if (isNew && m.sender === 'visitor') {
      conv.typing = false;
      clearTimeout(conv.typingTimer);
      if (!isSeen(conv)) conv.unread += 1;
    }
    if (m.kind === 'system' && (m.data?.event === 'closed')) conv.c = { ...conv.c, status: 'closed' };
    // a hole in the total order: refetch the complete list rather than show a silent gap
    if (conv.loaded && Number.isInteger(m.seq) && prevMax > 0 && m.seq > prevMax + 1) scheduleRefetch(conv);
    renderConv(conv, { newFromVisitor: isNew && m.sender === 'visitor' });
  }

  function onTyping(cid, on) {
    const conv = convs.get(cid);
    if (!conv) return;
    conv.typing = Boolean(on) && conv.c.status !== 'closed';
    clearTimeout(conv.typingTimer);
    if (conv.typing) {
      conv.typingTimer = setTimeout(() => { conv.typing = false; renderTyping(); renderTabs(); }, 8000);
    }
    renderTyping();
    renderTabs();
  }

  // ================================================================= queue

  function setQueue(list) {
    const now = Date.now();
    for (const [id, until] of dropped) if (until < now) dropped.delete(id);
    queue = list
      .filter((c) => c && isId(c.id) && c.status !== 'closed' && !dropped.has(c.id))
      .map((c) => ({ c, at: now }));
    renderQueue();
    updateBadges();
  }

  function removeFromQueue(id) {
    queue = queue.filter((q) => q.c.id !== id);
    renderQueue();
    updateBadges();
  }

  async function claim(id) {
    if (claiming.has(id)) return;
    claiming.add(id);
    const entry = queue.find((q) => q.c.id === id);
    renderQueue();
    try {
      const data = await request('POST', sitePath(siteId, `/chat/conversations/${encodeURIComponent(id)}/claim`), {});
      if (stopped) return;
      const c = pickConversation(data) || { ...(entry?.c || { id }), status: 'active', associate: { id: me.id, name: me.name } };
      dropped.set(id, Date.now() + 5000);
      removeFromQueue(id);
      const conv = upsert({ ...c, status: c.status === 'queued' ? 'active' : c.status, associate: c.associate || { id: me.id, name: me.name } });
      conv.ended = null;
      fetchDetail(conv);
      activate(conv.id, { focus: true });
      loadPresence();
    } catch (err) {
      if (stopped) return;
      if (err?.status === 409 || err?.status === 404) {
        dropped.set(id, Date.now() + 5000);
        removeFromQueue(id);
        toast(`Already taken — someone else is now helping ${entry ? conversationLabel(entry.c) : 'this shopper'}.`, 'warn');
      } else {
        toast(err?.message || 'Could not claim the chat.', 'error');
      }
    } finally {
      claiming.delete(id);
      renderQueue();
    }
  }

  function renderQueue() {
    const now = Date.now();
    const want = new Set();
    let cursor = els.queue.firstElementChild;
    for (const q of queue) {
      const c = q.c;
      want.add(c.id);
      let n = queueNodes.get(c.id);
      if (!n) {
        n = {
          el: h('li', { class: 'queue-item', dataset: { conversationId: c.id } }),
          avatar: h('span', { class: 'queue-avatar', 'aria-hidden': 'true' }),
          name: h('span', { class: 'queue-name' }),
          wait: h('span', { class: 'queue-wait', title: 'Waiting for' }),
          preview: h('p', { class: 'queue-preview' }),
          badges: h('span', { class: 'queue-badges' }),
          claim: h('button', { class: 'claim button button-primary button-small', type: 'button', text: 'Claim' }),
        };
        n.el.append(
          n.avatar,
          h('div', { class: 'queue-main' },
            h('div', { class: 'queue-top' }, n.name, n.wait),
            n.preview,
            n.badges),
          n.claim,
        );
        queueNodes.set(c.id, n);
      }
      n.q = q;
      const label = conversationLabel(c);
      if (n.name.textContent !== label) n.name.textContent = label;
      n.name.title = str(c.email) ? `${label} · ${str(c.email)}` : label;
      setAvatar(n.avatar, c, 36);
      const preview = str(c.last_message).trim();
      n.preview.textContent = preview || 'No message yet';
      n.preview.classList.toggle('is-empty', !preview);
      const badges = [];
      if (c.offline) badges.push(h('span', { class: 'queue-offline chip', text: 'Left a message' }));
      if (str(c.reference)) badges.push(h('span', { class: 'queue-ref', text: str(c.reference) }));
      n.badges.replaceChildren(...badges);
      n.el.dataset.offline = c.offline ? 'true' : 'false';
      const busy = claiming.has(c.id);
      n.claim.disabled = busy;
      n.claim.textContent = busy ? 'Claiming…' : 'Claim';
      n.claim.setAttribute('aria-label', `Claim the chat with ${label}`);
      updateWait(n, now);
      if (n.el !== cursor) els.queue.insertBefore(n.el, cursor);
      else cursor = cursor.nextElementSibling;
    }
    for (const [id, n] of queueNodes) {
      if (!want.has(id)) { n.el.remove(); queueNodes.delete(id); }
    }
    els.queueEmpty.hidden = queue.length > 0;
  }

  function updateWait(n, now) {
    const secs = (Number(n.q.c.waiting_seconds) || 0) + Math.max(0, (now - n.q.at) / 1000);
    const t = waitText(secs);
    if (n.wait.textContent !== t) n.wait.textContent = t;
    const urgency = secs >= 180 ? 'high' : secs >= 60 ? 'medium' : 'low';
    if (n.el.dataset.urgency !== urgency) n.el.dataset.urgency = urgency;
  }

  const ticker = setInterval(() => {
    if (stopped) return;
    const now = Date.now();
    for (const n of queueNodes.values()) updateWait(n, now);
  }, 1000);

  listen(els.queue, 'click', (ev) => {
    const btn = ev.target.closest('.claim');
    if (!btn || !els.queue.contains(btn)) return;
    const item = btn.closest('.queue-item');
    if (item?.dataset.conversationId) claim(item.dataset.conversationId);
  });

  // ================================================================= tabs

  function activate(id, { focus = false } = {}) {
    const conv = convs.get(id);
    if (!conv) return;
    const prev = active();
    if (prev && prev.id !== id) {
      prev.draft = els.input.value;
      stopTyping(prev);
    }
    const switching = activeId !== id;
    activeId = id;
    try { sessionStorage.setItem(ACTIVE_KEY, id); } catch { /* storage disabled */ }
    conv.unread = 0;
    if (switching) {
      setNoteMode(false);
      tools.close({ focus: false });
      els.input.value = conv.draft;
      autogrow();
      els.messages.replaceChildren();
      els.messages.dataset.conversationId = id;
    }
    renderPanel();
    renderMessages(conv, { bottom: true });
    renderTabs();
    updateBadges();
    openStory(conv);
    if (focus && writable(conv)) els.input.focus();
  }

  function closeTab(id) {
    const conv = convs.get(id);
    if (!conv) return;
    stopTyping(conv);
    for (const e of conv.outbox.values()) clearTimeout(e.timer);
    clearTimeout(conv.typingTimer);
    clearTimeout(conv.refetchTimer);
    clearTimeout(conv.typingOffTimer);
    const i = order.indexOf(id);
    convs.delete(id);
    order = order.filter((x) => x !== id);
    if (activeId === id) {
      activeId = null;
      els.messages.replaceChildren();
      delete els.messages.dataset.conversationId;
      const next = order[Math.min(i, order.length - 1)];
      if (next) activate(next, { focus: false });
    }
    renderAll();
  }

  function renderTabs() {
    const want = new Set();
    let cursor = els.tabs.firstElementChild;
    for (const id of order) {
      const conv = convs.get(id);
      if (!conv) continue;
      want.add(id);
      let n = tabNodes.get(id);
      if (!n) {
        n = {
          el: h('div', { class: 'chat-tab', role: 'presentation', dataset: { conversationId: id } }),
          main: h('button', { class: 'chat-tab-main', type: 'button', role: 'tab', id: `chat-tab-${id}`, 'aria-controls': 'chat-panel' }),
          avatar: h('span', { class: 'chat-tab-avatar', 'aria-hidden': 'true' }),
          name: h('span', { class: 'chat-tab-name' }),
          preview: h('span', { class: 'chat-tab-preview' }),
          unread: h('span', { class: 'chat-tab-unread', 'aria-label': 'unread messages' }),
          dismiss: h('button', { class: 'chat-tab-dismiss', type: 'button', title: 'Remove this tab', 'aria-label': 'Remove this tab', text: '×' }),
        };
        n.main.append(n.avatar, h('span', { class: 'chat-tab-text' }, n.name, n.preview), n.unread);
        n.el.append(n.main, n.dismiss);
        tabNodes.set(id, n);
      }
      const c = conv.c;
      const label = conversationLabel(c);
      if (n.name.textContent !== label) n.name.textContent = label;
      setAvatar(n.avatar, c, 30);
      const isActive = id === activeId;
      n.el.classList.toggle('is-active', isActive);
      n.main.setAttribute('aria-selected', isActive ? 'true' : 'false');
      n.main.tabIndex = isActive || !activeId ? 0 : -1;
      const status = conv.ended ? conv.ended : str(c.status) || 'active';
      n.el.dataset.status = status;
      n.el.dataset.typing = conv.typing ? 'true' : 'false';
      n.el.dataset.unread = String(conv.unread);
      n.unread.textContent = conv.unread > 99 ? '99+' : String(conv.unread);
      n.unread.hidden = conv.unread <= 0;
      let preview = '';
      if (conv.typing) preview = 'typing…';
      else if (status === 'closed') preview = 'Closed';
      else if (status === 'transferred') preview = `Transferred to ${conv.endedTo || 'a colleague'}`;
      else {
        let last = null;
        for (const m of conv.msgs.values()) {
          if (m.kind === 'system' || m.kind === 'note') continue;
          if (!last || (m.seq ?? 0) > (last.seq ?? 0)) last = m;
        }
        preview = last ? `${last.sender === 'associate' ? 'You: ' : ''}${messagePreview(last)}` : str(c.last_message);
      }
      if (n.preview.textContent !== preview) n.preview.textContent = preview;
      n.dismiss.hidden = writable(conv);
      n.main.title = `${label}${str(c.reference) ? ` · ${str(c.reference)}` : ''}`;
      if (n.el !== cursor) els.tabs.insertBefore(n.el, cursor);
      else cursor = cursor.nextElementSibling;
    }
    for (const [id, n] of tabNodes) {
      if (!want.has(id)) { n.el.remove(); tabNodes.delete(id); }
    }
    els.tabsEmpty.hidden = order.length > 0;
    els.tabsCount.textContent = String(order.length);
  }

  listen(els.tabs, 'click', (ev) => {
    const tab = ev.target.closest('.chat-tab');
    if (!tab || !els.tabs.contains(tab)) return;
    const id = tab.dataset.conversationId;
    if (ev.target.closest('.chat-tab-dismiss')) { closeTab(id); return; }
    activate(id, { focus: true });
  });
  listen(els.tabs, 'keydown', (ev) => {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp' && ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    const mains = Array.from(els.tabs.querySelectorAll('.chat-tab-main'));
    const i = mains.indexOf(document.activeElement);
    if (i < 0) return;
    ev.preventDefault();
    const step = ev.key === 'ArrowDown' || ev.key === 'ArrowRight' ? 1 : -1;
    const next = mains[(i + step + mains.length) % mains.length];
    next.focus();
    const id = next.closest('.chat-tab')?.dataset.conversationId;
    if (id) activate(id, { focus: false });
  });

  // ================================================================= the active chat

  function renderPanel() {
    const conv = active();
    els.panel.hidden = !conv;
    els.none.hidden = Boolean(conv);
    if (!conv) {
      delete els.panel.dataset.conversationId;
      updateNone();
      return;
    }
    const c = conv.c;
    els.panel.dataset.conversationId = conv.id;
    const status = conv.ended || str(c.status) || 'active';
    els.panel.dataset.status = status;
    setAvatar(els.headAvatar, c, 44);
    const label = conversationLabel(c);
    els.title.textContent = label;
    els.title.title = label;
    els.reference.textContent = str(c.reference);
    els.reference.hidden = !str(c.reference);
    const statusText = { queued: 'Waiting', active: 'Active', closed: 'Closed', transferred: 'Transferred', gone: 'Unavailable' }[status] || status;
    els.status.textContent = statusText;
    els.status.dataset.status = status;
    els.offline.hidden = !c.offline;
    const visitorLine = str(c.name) && str(c.visitor_label) && str(c.visitor_label) !== str(c.name) ? str(c.visitor_label) : '';
    els.email.textContent = [str(c.email), visitorLine].filter(Boolean).join(' · ');
    els.email.hidden = !els.email.textContent;
    els.visitorBtn.disabled = !c.visit_id;
    const canWrite = writable(conv);
    els.closeBtn.hidden = status !== 'active' && status !== 'queued';
    els.closeBtn.disabled = !canWrite;
    els.dismissBtn.hidden = !els.closeBtn.hidden;

    let notice = '';
    if (status === 'transferred') notice = `Transferred to ${conv.endedTo || 'a colleague'} — you can no longer reply here.`;
    else if (status === 'gone') notice = 'This conversation is no longer available to you.';
    else if (status === 'closed') {
      notice = 'This chat is closed.';
      if (Number.isInteger(c.rating)) notice += ` The shopper rated it ${c.rating}/5${str(c.rating_comment) ? `: “${str(c.rating_comment)}”` : '.'}`;
    } else if (c.offline) notice = `The shopper left this message while nobody was available${str(c.email) ? ` (e-mail: ${str(c.email)})` : ''}. They may no longer be on the site.`;
    els.notice.textContent = notice;
    els.notice.hidden = !notice;
    els.notice.dataset.kind = status;

    els.input.disabled = !canWrite;
    els.send.disabled = !canWrite;
    els.noteMode.disabled = !canWrite;
    tools.setEnabled(canWrite);
    if (!canWrite) setNoteMode(false);
    els.input.placeholder = !canWrite ? 'You can no longer reply in this chat.'
      : noteMode ? 'Write an internal note for your colleagues…' : `Reply to ${shortLabel(c)}…`;
    renderTyping();
  }

  function updateNone() {
    if (!els.noneText) return;
    const away = presence && presence.availability !== 'available';
    els.noneText.textContent = queue.length
      ? `${queue.length} shopper${queue.length === 1 ? ' is' : 's are'} waiting — claim one from the queue.`
      : away ? 'You are Away. Switch to Available to have chats routed to you, or claim one when it arrives.'
        : 'You are Available. New chats are routed to you, or claim one from the queue when it arrives.';
  }

  function renderTyping() {
    const conv = active();
    const on = Boolean(conv && conv.typing);
    const box = els.messages;
    const pinned = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    els.typing.hidden = !on;
    if (pinned) box.scrollTop = box.scrollHeight;
    if (on) {
      const text = `${conversationLabel(conv.c)} is typing…`;
      if (els.typing.dataset.text !== text) {
        els.typing.replaceChildren(h('span', { class: 'typing-dots', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')), h('span', { text }));
        els.typing.dataset.text = text;
      }
    }
  }

  function renderConv(conv, { newFromVisitor = false } = {}) {
    if (conv.id === activeId) {
      if (isSeen(conv)) conv.unread = 0;
      renderPanel();
      renderMessages(conv, { newFromVisitor });
    }
    renderTabs();
    updateBadges();
  }

  function renderAll() {
    renderQueue();
    renderTabs();
    renderPanel();
    const conv = active();
    if (conv) renderMessages(conv);
    updateBadges();
  }

  // ---------------------------------------------------------------- messages

  function visibleItems(conv) {
    const list = Array.from(conv.msgs.values());
    list.sort((a, b) => (Number.isInteger(a.seq) ? a.seq : Infinity) - (Number.isInteger(b.seq) ? b.seq : Infinity));
    const items = list.map((m) => ({ key: `m:${m.id}`, m, state: 'sent', entry: null }));
    for (const e of conv.outbox.values()) {
      if (e.echoId && conv.msgs.has(e.echoId)) continue; // its echo already shows
      items.push({
        key: `c:${e.clientId}`,
        m: { id: null, seq: null, kind: e.preview.kind, sender: 'associate', author: myAuthor, body: e.preview.body, data: e.preview.data, created_at: e.createdAt },
        state: e.state,
        entry: e,
      });
    }
    return items;
  }

  function signature(item) {
    const m = item.m;
    return JSON.stringify([m.id, m.seq, m.kind, m.sender, m.author, m.body, m.data, m.created_at, item.state, item.entry?.error || '']);
  }

  function renderMessages(conv, { bottom = false, newFromVisitor = false } = {}) {
    if (conv.id !== activeId) return;
    const box = els.messages;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const items = visibleItems(conv);
    const keep = new Set();
    let cursor = box.firstElementChild;
    let prev = null;
    for (const item of items) {
      const sig = signature(item);
      let n = conv.nodes.get(item.key);
      if (!n || n.sig !== sig) {
        n = { el: messageEl(conv, item), sig };
        conv.nodes.set(item.key, n);
      }
      keep.add(item.key);
      const m = item.m;
      const continued = Boolean(prev) && prev.sender === m.sender && prev.kind !== 'system' && m.kind !== 'system'
        && (prev.kind === 'note') === (m.kind === 'note') && str(prev.author) === str(m.author)
        && Math.abs((Date.parse(m.created_at) || 0) - (Date.parse(prev.created_at) || 0)) < 5 * 60000;
      n.el.classList.toggle('is-continued', continued);
      prev = m;
      if (n.el === cursor) cursor = cursor.nextElementSibling;
      else box.insertBefore(n.el, cursor);
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
    for (const key of conv.nodes.keys()) if (!keep.has(key)) conv.nodes.delete(key);
    if (!items.length && conv.loaded) box.replaceChildren(h('p', { class: 'chat-empty', text: 'No messages yet.' }));
    else if (!items.length) box.replaceChildren(h('p', { class: 'chat-empty', text: 'Loading the conversation…' }));
    if (bottom || atBottom) box.scrollTop = box.scrollHeight;
    else if (newFromVisitor) showJump();
  }

  let jumpBtn = null;
  function showJump() {
    if (!jumpBtn) {
      jumpBtn = h('button', { class: 'chat-jump', type: 'button', text: 'New messages ↓' });
      jumpBtn.addEventListener('click', () => { els.messages.scrollTop = els.messages.scrollHeight; hideJump(); });
    }
    if (!jumpBtn.isConnected) els.panel.append(jumpBtn);
  }
  function hideJump() { if (jumpBtn) jumpBtn.remove(); }
  listen(els.messages, 'scroll', () => {
    const box = els.messages;
    if (box.scrollHeight - box.scrollTop - box.clientHeight < 40) hideJump();
  }, { passive: true });

  function messageEl(conv, item) {
    const m = item.m;
    const kind = KINDS.has(m.kind) ? m.kind : 'text';
    const sender = SENDERS.has(m.sender) ? m.sender : 'system';
    const el = h('div', {
      class: 'chat-msg',
      dataset: {
        seq: Number.isInteger(m.seq) ? m.seq : '', kind, sender, id: m.id || null,
        clientId: item.entry ? item.entry.clientId : null, state: item.state,
      },
    });
    const time = h('time', { class: 'chat-msg-time', text: clock(m.created_at) });
    if (Number.isFinite(Date.parse(m.created_at))) {
      time.setAttribute('datetime', new Date(Date.parse(m.created_at)).toISOString());
      time.title = new Date(Date.parse(m.created_at)).toLocaleString();
    }

    if (kind === 'system') {
      el.append(h('span', { class: 'chat-system-text', text: str(m.body) || SYSTEM_TEXT[m.data?.event] || 'Update' }), time);
      return el;
    }

    const who = sender === 'visitor' ? conversationLabel(conv.c) : str(m.author) || (sender === 'associate' ? 'Associate' : '');
    const bubble = h('div', { class: 'chat-bubble' });
    if (kind === 'note') bubble.append(h('p', { class: 'chat-note-label', text: NOTE_LABEL }));
    if (kind === 'text' || kind === 'note') {
      bubble.append(h('p', { class: 'chat-text' }, richText(m.body)));
    } else if (kind === 'product_card') {
      bubble.append(productCard(m.data || {}, m.body));
    } else if (kind === 'page_push') {
      bubble.append(pushCard(m.data || {}, m.body));
    } else if (kind === 'card') {
      bubble.append(renderCard(m.data?.card));
    }

    const meta = h('div', { class: 'chat-msg-meta' }, h('span', { class: 'chat-msg-author', text: who }), time);
    if (item.state === 'pending') meta.append(h('span', { class: 'chat-msg-state', text: item.entry?.attempts > 1 ? 'Retrying…' : 'Sending…' }));
    else if (item.state === 'failed') {
      const retry = h('button', { class: 'chat-msg-retry', type: 'button', text: 'Retry' });
      const discard = h('button', { class: 'chat-msg-discard', type: 'button', text: 'Discard' });
      meta.append(h('span', { class: 'chat-msg-state chat-msg-error', text: `Not sent${item.entry?.error ? ` — ${item.entry.error}` : ''}` }), retry, discard);
    } else if (sender === 'associate' && m.id) {
      meta.append(h('span', { class: 'chat-msg-state chat-msg-sent', 'aria-label': 'Delivered', title: 'Stored by Salon', text: '✓' }));
    }
    el.append(bubble, meta);
    return el;
  }

  function productCard(d, fallbackName) {
    const name = str(d.name) || str(fallbackName) || str(d.product_id) || 'Product';
    const price = d.price !== null && d.price !== undefined && d.price !== '' ? formatMoney(d.price, d.currency) : '';
    const url = httpUrl(d.url);
    return h('div', { class: 'chat-card chat-product', dataset: { productId: str(d.product_id) } },
      productThumb(d.image, name, 'chat-card-thumb'),
      h('div', { class: 'chat-card-text' },
        h('span', { class: 'chat-card-kicker', text: 'Product card' }),
        h('span', { class: 'chat-card-title', text: name }),
        price ? h('span', { class: 'chat-card-price', text: price }) : null,
        url ? safeLink(url, 'View product', 'chat-card-link') : null));
  }

  function pushCard(d, fallbackTitle) {
    const url = httpUrl(d.url);
    const title = str(d.title) || str(fallbackTitle) || str(d.url) || 'Page';
    return h('div', { class: 'chat-card chat-push' },
      h('span', { class: 'chat-card-icon', 'aria-hidden': 'true', text: '↗' }),
      h('div', { class: 'chat-card-text' },
        h('span', { class: 'chat-card-kicker', text: d.mode === 'card' ? 'Page shared as a card' : 'Page pushed to the shopper' }),
        h('span', { class: 'chat-card-title', text: title }),
        url ? safeLink(url, str(d.url), 'chat-card-link chat-card-url') : h('span', { class: 'chat-card-url', text: str(d.url) })));
  }

  listen(els.messages, 'click', (ev) => {
    const btn = ev.target.closest('.chat-msg-retry, .chat-msg-discard');
    if (!btn) return;
    const conv = active();
    const clientId = btn.closest('.chat-msg')?.dataset.clientId;
    const entry = conv && clientId ? conv.outbox.get(clientId) : null;
    if (!entry) return;
    if (btn.classList.contains('chat-msg-retry')) {
      entry.attempts = 0;
      deliver(conv, entry);
    } else {
      clearTimeout(entry.timer);
      conv.outbox.delete(clientId);
      renderConv(conv);
    }
  });

  // ---------------------------------------------------------------- sending

  function queueSend(conv, payload, preview) {
    const entry = {
      clientId: newClientId(), payload, preview, state: 'pending', createdAt: new Date().toISOString(),
      attempts: 0, error: '', echoId: null, timer: 0, inflight: false,
    };
    conv.outbox.set(entry.clientId, entry);
    renderMessages(conv, { bottom: true });
    renderTabs();
    deliver(conv, entry);
  }

  async function deliver(conv, entry) {
    if (entry.inflight || stopped) return;
    clearTimeout(entry.timer);
    entry.inflight = true;
    entry.attempts += 1;
    if (entry.state === 'failed') { entry.state = 'pending'; entry.error = ''; renderConv(conv); }
    try {
      const ans = await request('POST', sitePath(siteId, `/chat/conversations/${encodeURIComponent(conv.id)}/messages`), { client_id: entry.clientId, ...entry.payload });
      entry.inflight = false;
      if (stopped || !convs.has(conv.id)) return;
      confirmSent(conv, entry, ans);
    } catch (err) {
      entry.inflight = false;
      if (stopped || !convs.has(conv.id) || !conv.outbox.has(entry.clientId)) return;
      if (err?.transient && entry.attempts < 6) {
        // same client id again after a back-off: the server stores it once whatever happens
        entry.state = 'pending';
        const wait = err.retryAfter ? err.retryAfter * 1000 : Math.min(15000, 600 * 2 ** entry.attempts) * (0.5 + Math.random() / 2);
        entry.timer = setTimeout(() => deliver(conv, entry), wait);
      } else {
        entry.state = 'failed';
        entry.error = str(err?.message);
        entry.echoId = null;
      }
      renderConv(conv);
    }
  }

  function confirmSent(conv, entry, ans) {
    conv.outbox.delete(entry.clientId);
    clearTimeout(entry.timer);
    if (ans && isId(ans.id) && !conv.msgs.has(ans.id)) {
      conv.msgs.set(ans.id, {
        id: ans.id, seq: Number.isInteger(ans.seq) ? ans.seq : null, conversation_id: conv.id,
        kind: entry.preview.kind, sender: 'associate', author: myAuthor,
        body: entry.preview.body, data: entry.preview.data, created_at: str(ans.created_at) || entry.createdAt,
      });
    }
    renderConv(conv);
  }

  /** The WebSocket echo of a message we sent, possibly before the HTTP answer named its id. */
  function matchOutbox(conv, m) {
    if (isId(m.client_id) && conv.outbox.has(m.client_id)) {
      conv.outbox.get(m.client_id).echoId = m.id;
      return;
    }
    for (const e of conv.outbox.values()) if (e.echoId === m.id) return;
    for (const e of conv.outbox.values()) {
      if (e.echoId || e.state === 'failed' || e.payload.kind !== m.kind) continue;
      const p = e.payload;
      const same = p.kind === 'text' || p.kind === 'note' ? str(m.body) === p.body
        : p.kind === 'product_card' ? str(m.data?.product_id) === p.product_id
          : p.kind === 'page_push' ? httpUrl(str(m.data?.url)) === httpUrl(p.url) : false;
      if (same) { e.echoId = m.id; return; }
    }
  }

  function submit() {
    const conv = active();
    if (!conv || !writable(conv)) return;
    const text = els.input.value.replace(/\s+$/, '');
    if (!text.trim()) return;
    if (text.length > MAX_BODY) { toast(`A message can be at most ${MAX_BODY.toLocaleString()} characters.`, 'error'); return; }
    const kind = noteMode ? 'note' : 'text';
    queueSend(conv, { kind, body: text }, { kind, body: text, data: {} });
    els.input.value = '';
    conv.draft = '';
    autogrow();
    stopTyping(conv);
    els.input.focus();
  }

  function fillComposer(text) {
    const input = els.input;
    if (input.disabled) return;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    const caret = start + text.length;
    input.focus();
    input.setSelectionRange(caret, caret);
    autogrow();
    const conv = active();
    if (conv) conv.draft = input.value;
  }

  function autogrow() {
    const el = els.input;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + 2, 180)}px`;
  }

  function setNoteMode(on) {
    noteMode = Boolean(on);
    els.noteMode.setAttribute('aria-pressed', noteMode ? 'true' : 'false');
    els.compose.dataset.mode = noteMode ? 'note' : 'reply';
    els.hint.textContent = noteMode
      ? 'Internal note — only your colleagues see this · Enter to add'
      : 'Enter to send · Shift+Enter for a new line';
    const conv = active();
    if (conv) {
      if (noteMode) stopTyping(conv);
      els.input.placeholder = !writable(conv) ? 'You can no longer reply in this chat.'
        : noteMode ? 'Write an internal note for your colleagues…' : `Reply to ${shortLabel(conv.c)}…`;
    }
  }

  // ---------------------------------------------------------------- our typing indicator

  function onComposerInput() {
    autogrow();
    const conv = active();
    if (!conv) return;
    conv.draft = els.input.value;
    if (noteMode || !writable(conv)) return;
    if (!els.input.value) { stopTyping(conv); return; }
    const now = Date.now();
    if (!conv.typingOn || now - conv.lastTypingSent > 3000) {
      if (sendFrame({ type: 'typing', conversation_id: conv.id, on: true })) {
        conv.typingOn = true;
        conv.lastTypingSent = now;
      }
    }
    clearTimeout(conv.typingOffTimer);
    conv.typingOffTimer = setTimeout(() => stopTyping(conv), 4000);
  }

  function stopTyping(conv) {
    clearTimeout(conv.typingOffTimer);
    if (!conv.typingOn) return;
    conv.typingOn = false;
    sendFrame({ type: 'typing', conversation_id: conv.id, on: false });
  }

  listen(els.input, 'input', onComposerInput);
  listen(els.input, 'keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submit();
    } else if (ev.key === 'Escape' && tools.current) {
      ev.preventDefault();
      ev.stopPropagation();
      tools.close();
    }
  });
  listen(els.send, 'click', submit);
  listen(els.noteMode, 'click', () => { setNoteMode(!noteMode); els.input.focus(); });

  // ---------------------------------------------------------------- close, transfer, story

  async function closeConversation() {
    const conv = active();
    if (!conv || conv.c.status === 'closed') return;
    els.closeBtn.disabled = true;
    stopTyping(conv);
    try {
      const data = await request('POST', sitePath(siteId, `/chat/conversations/${encodeURIComponent(conv.id)}/close`), {});
      if (!convs.has(conv.id)) return;
      applyConversation(conv, { ...(pickConversation(data) || {}), status: 'closed' });
      toast(`Chat with ${conversationLabel(conv.c)} closed.`);
      loadPresence();
    } catch (err) {
      toast(err?.message || 'Could not close the chat.', 'error');
      fetchDetail(conv);
    } finally {
      renderConv(conv);
    }
  }

  async function transferTo(associate) {
    const conv = active();
    if (!conv) throw new Error('No chat is open.');
    await request('POST', sitePath(siteId, `/chat/conversations/${encodeURIComponent(conv.id)}/transfer`), { associate_id: associate.id });
    stopTyping(conv);
    toast(`Transferred ${conversationLabel(conv.c)} to ${str(associate.name) || 'a colleague'}.`);
    closeTab(conv.id);
    loadPresence();
  }

  function openStory(conv) {
    const visitId = conv?.c.visit_id;
    if (isId(visitId)) {
      if (story.currentId !== visitId) story.open(visitId, getVisit(visitId));
    } else if (story.currentId) {
      story.close();
    }
    body.dataset.chatStory = isId(visitId) ? 'open' : 'none';
    if (isId(visitId) && conv && isId(conv.c.id)) timeline.show(conv.c.id);
    else timeline.clear();
  }

  listen(els.closeBtn, 'click', closeConversation);
  listen(els.dismissBtn, 'click', () => { if (activeId) closeTab(activeId); });
  listen(els.visitorBtn, 'click', () => {
    const conv = active();
    if (conv && isId(conv.c.visit_id)) onOpenVisit(conv.c.visit_id);
  });

  // ================================================================= alerts, badges

  function showAlert(msg) {
    els.alertText.textContent = str(msg.message) || 'Shoppers are waiting longer than usual.';
    els.alert.dataset.kind = str(msg.kind) || 'wait';
    els.alert.hidden = false;
  }
  listen(els.alertDismiss, 'click', () => { els.alert.hidden = true; });

  function updateBadges() {
    const n = queue.length;
    els.queueCount.textContent = String(n);
    els.queueCount.dataset.count = String(n);
    els.queueCountRail.textContent = String(n);
    let unread = 0;
    for (const conv of convs.values()) unread += conv.unread;
    els.unreadDot.hidden = unread === 0;
    els.unreadDot.setAttribute('aria-label', `${unread} unread`);
    const dock = order.length || n ? 'open' : 'empty';
    if (body.dataset.chatDock !== dock) body.dataset.chatDock = dock;
    const waiting = n + unread;
    const title = waiting ? `(${waiting}) ${baseTitle}` : baseTitle;
    if (document.title !== title) document.title = title;
    updateNone();
  }

  listen(document, 'visibilitychange', () => {
    const conv = active();
    if (!document.hidden && conv && conv.unread) { conv.unread = 0; renderTabs(); updateBadges(); }
  });

  // ================================================================= start

  els.queue.replaceChildren();
  els.tabs.replaceChildren();
  els.messages.replaceChildren();
  els.panel.hidden = true;
  els.none.hidden = false;
  setNoteMode(false);
  setConn('connecting');
  updateBadges();
  connect();

  return {
    stop() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimeout(toastTimer);
      clearTimeout(presenceTimer);
      clearInterval(ticker);
      clearInterval(pinger);
      for (const conv of convs.values()) {
        clearTimeout(conv.typingTimer);
        clearTimeout(conv.typingOffTimer);
        clearTimeout(conv.refetchTimer);
        for (const e of conv.outbox.values()) clearTimeout(e.timer);
      }
      for (const [el, ev, fn, opts] of listeners) el.removeEventListener(ev, fn, opts);
      tools.destroy();
      timeline.destroy();
      story.destroy();
      if (ws) { const s = ws; ws = null; try { s.close(1000, 'bye'); } catch { /* ignore */ } }
      convs.clear();
      order = [];
      queue = [];
      queueNodes.clear();
      tabNodes.clear();
      els.queue.replaceChildren();
      els.tabs.replaceChildren();
      els.messages.replaceChildren();
      els.panel.hidden = true;
      els.alert.hidden = true;
      els.toast.hidden = true;
      els.input.value = '';
      els.availability.disabled = true;
      els.maxChats.disabled = true;
      els.queueCount.textContent = '0';
      els.queueCount.dataset.count = '0';
      els.unreadDot.hidden = true;
      hideJump();
      document.title = baseTitle;
      delete body.dataset.chatStatus;
      delete body.dataset.chatDock;
      delete body.dataset.availability;
      delete body.dataset.chatStory;
    },
    visitChanged(v) {
      if (!v || !isId(v.id)) return;
      story.visitChanged(v);
      let hit = false;
      for (const conv of convs.values()) if (conv.c.visit_id === v.id) hit = true;
      for (const q of queue) if (q.c.visit_id === v.id) hit = true;
      if (hit) { renderTabs(); renderQueue(); const conv = active(); if (conv && conv.c.visit_id === v.id) setAvatar(els.headAvatar, conv.c, 44); }
    },
    visitRemoved(id) {
      story.visitRemoved(id);
    },
    sectionChanged(next) {
      section = next;
      const conv = active();
      if (conv && isSeen(conv) && conv.unread) { conv.unread = 0; renderTabs(); updateBadges(); }
      if (section === 'chats' && conv && writable(conv)) els.input.focus({ preventScroll: true });
    },
    get section() { return section; },
  };
}
