// Salon console — the "Topics" view: the questions shoppers (in chats) and associates (at the help
// desk) keep asking, grouped as they arrive (salon/topics/, docs/topics.md). A date range (the last
// eight weeks by default); the busiest topics first, each with its label, total, a sparkline of the
// weekly counts, the trend and a few examples; a topic opens to its questions, newest first, each
// linking to its chat (/console#chats/{id}) or help-desk thread (/console#helpdesk/{id}). The
// console's hash router sends a chat that is not one of the associate's open tabs back here as a
// read-only transcript (openChat).
//
// Every question is typed by a shopper or an associate: text goes in through h()/textContent only.

import { h, formatAgo } from './floor.js';
import { sitePath, str } from './chat-api.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const DAY_MS = 864e5;
const DEFAULT_DAYS = 56; // eight weeks, as the API's default
const arr = (x) => (Array.isArray(x) ? x : []);
const num = (x) => (Number.isFinite(Number(x)) ? Number(x) : 0);
const isoDay = (d) => d.toISOString().slice(0, 10);
const SOURCES = { chat: 'Shopper chat', helpdesk: 'Help desk' };

function when(iso) {
  const t = Date.parse(iso);
  const el = h('time', { class: 'tq-when', text: formatAgo(iso) });
  if (Number.isFinite(t)) {
    el.setAttribute('datetime', new Date(t).toISOString());
    el.title = new Date(t).toLocaleString();
  }
  return el;
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A small line of the weekly counts (oldest left); its title lists every week. */
export function sparkline(weeks) {
  const counts = weeks.map((w) => num(w.count));
  const width = 112;
  const height = 28;
  const pad = 3;
  const max = Math.max(1, ...counts);
  const step = counts.length > 1 ? (width - 2 * pad) / (counts.length - 1) : 0;
  const points = counts.map((c, i) => [pad + i * step, height - pad - (c / max) * (height - 2 * pad)]);
  const described = weeks.map((w) => `${str(w.week)}: ${num(w.count)}`).join(', ');
  const el = svg('svg', { class: 'tq-spark', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `Questions per week — ${described}` });
  const title = svg('title', {});
  title.textContent = described;
  el.append(title, svg('line', { class: 'tq-spark-base', x1: pad, x2: width - pad, y1: height - pad, y2: height - pad }));
  if (points.length) {
    el.append(svg('polyline', { class: 'tq-spark-line', points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ') }));
    const [x, y] = points[points.length - 1];
    el.append(svg('circle', { class: 'tq-spark-dot', cx: x.toFixed(1), cy: y.toFixed(1), r: 2.4 }));
  }
  return el;
}

/** ↑ +1.5/wk: the least-squares slope of the weekly counts, with its direction. */
export function trendBadge(trend) {
  const t = num(trend);
  const direction = t > 0.05 ? 'up' : t < -0.05 ? 'down' : 'flat';
  const arrow = { up: '↑', down: '↓', flat: '→' }[direction];
  const sign = t > 0 ? '+' : t < 0 ? '−' : '±';
  return h('span', {
    class: 'tq-trend',
    dataset: { trend: direction },
    title: 'Trend: questions per week gained (or lost) each week over the range',
    text: `${arrow} ${sign}${Math.abs(t).toFixed(1)}/wk`,
  });
}

/** A same-console link to a chat or a help-desk thread (the ids are encoded, never trusted as a URL). */
function consoleLink(kind, id, text) {
  const a = h('a', { class: 'tq-link', dataset: { kind }, text });
  a.href = `/console#${kind === 'conversation' ? 'chats' : 'helpdesk'}/${encodeURIComponent(id)}`;
  return a;
}

/** createTopics({root, request, siteId, helpdesk}) → {show(), hide(), destroy(), openTopic(id), openChat(id)} */
export function createTopics({ root, request, siteId, helpdesk = true }) {
  let listRequest = null;
  let detailRequest = null;
  let openTopicId = null;
  let topics = [];

  const today = new Date();
  const from = h('input', { id: 'tq-from', class: 'input', type: 'date', value: isoDay(new Date(today.getTime() - (DEFAULT_DAYS - 1) * DAY_MS)) });
  const to = h('input', { id: 'tq-to', class: 'input', type: 'date', value: isoDay(today) });
  const apply = h('button', { id: 'tq-apply', class: 'button button-primary button-small', type: 'button', text: 'Apply' });
  const status = h('p', { class: 'attribution-status tq-status', role: 'status', hidden: true });
  const list = h('ol', { class: 'tq-list', id: 'tq-list', 'aria-label': 'Recurring questions, busiest first' });
  const detail = h('section', { class: 'tq-detail', id: 'tq-detail', hidden: true, 'aria-live': 'polite' });
  root.replaceChildren(
    h('header', { class: 'attribution-head' },
      h('div', null,
        h('h2', { class: 'attribution-title', id: 'topics-title', text: 'Topics' }),
        h('p', { class: 'attribution-sub', text: 'What shoppers and associates keep asking, grouped as the questions arrive. Dates are inclusive, in UTC.' })),
      h('form', { class: 'tq-filters', novalidate: true, on: { submit: (ev) => { ev.preventDefault(); load(); } } },
        h('label', null, 'From ', from), h('label', null, 'To ', to), apply)),
    status, list, detail);

  function setStatus(text, kind = 'info') {
    status.textContent = text || '';
    status.dataset.kind = kind;
    status.hidden = !text;
  }

  function fresh(previous) {
    if (previous) previous.abort();
    return new AbortController();
  }

  function showList() {
    openTopicId = null;
    detail.hidden = true;
    detail.replaceChildren();
    list.hidden = false;
  }

  function showDetail(...children) {
    list.hidden = true;
    detail.hidden = false;
    detail.replaceChildren(...children);
  }

  // ---- the list
  function topicItem(t) {
    const open = h('button', { class: 'tq-open', type: 'button', text: str(t.label) || 'Untitled topic' });
    open.addEventListener('click', () => openTopic(str(t.id)));
    const examples = arr(t.examples).slice(0, 3);
    return h('li', { class: 'card tq-topic', dataset: { topicId: str(t.id), total: String(num(t.total)) } },
      h('div', { class: 'tq-topic-main' },
        h('h3', { class: 'tq-label' }, open),
        examples.length ? h('ul', { class: 'tq-examples', 'aria-label': 'Examples' },
          examples.map((ex) => h('li', { class: 'tq-example', text: str(ex) }))) : null),
      h('div', { class: 'tq-topic-figures' },
        h('span', { class: 'tq-total', title: 'Questions in the range' },
          h('b', { class: 'tq-total-value', text: String(num(t.total)) }), num(t.total) === 1 ? ' question' : ' questions'),
        sparkline(arr(t.weeks)),
        trendBadge(t.trend)));
  }

  function renderList(data) {
    topics = arr(data.topics).slice().sort((a, b) => num(b.total) - num(a.total));
    list.replaceChildren(...(topics.length
      ? topics.map(topicItem)
      : [h('li', { class: 'table-empty tq-empty', text: 'No questions in this range yet.' })]));
  }

  async function load() {
    listRequest = fresh(listRequest);
    const { signal } = listRequest;
    root.dataset.loaded = 'false';
    root.setAttribute('aria-busy', 'true');
    setStatus('Loading…');
    const q = new URLSearchParams();
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    try {
      const data = await request('GET', `${sitePath(siteId, '/topics')}?${q}`, undefined, { signal });
      renderList(data);
      setStatus(data.from && data.to ? `${topics.length} topic${topics.length === 1 ? '' : 's'} from ${str(data.from)} to ${str(data.to)}.` : '');
      root.dataset.loaded = 'true';
    } catch (err) {
      if (err?.name === 'AbortError') return;
      setStatus(str(err?.message) || 'Topics could not be loaded.', 'error');
    } finally {
      root.removeAttribute('aria-busy');
    }
  }

  // ---- one topic and its questions
  function questionItem(q) {
    const source = str(q.source);
    let link = null;
    if (q.conversation_id) link = consoleLink('conversation', str(q.conversation_id), 'Open chat');
    else if (q.thread_id && helpdesk) link = consoleLink('thread', str(q.thread_id), 'Open thread');
    else if (q.thread_id) link = h('span', { class: 'tq-muted', text: `Thread ${str(q.thread_id)}` });
    return h('li', { class: 'tq-question', dataset: { questionId: str(q.id), source } },
      h('div', { class: 'tq-question-meta' },
        h('span', { class: `chip tq-source tq-source-${source}`, text: SOURCES[source] || source }),
        when(q.asked_at),
        link),
      h('p', { class: 'tq-question-text', text: str(q.text) }));
  }

  async function openTopic(id) {
    if (!id) return;
    openTopicId = id;
    detailRequest = fresh(detailRequest);
    const { signal } = detailRequest;
    const back = h('button', { class: 'button button-small tq-back', type: 'button', text: '← All topics' });
    back.addEventListener('click', () => { showList(); list.querySelector(`[data-topic-id="${CSS.escape(id)}"] .tq-open`)?.focus(); });
    showDetail(h('div', { class: 'tq-detail-head' }, back), h('p', { class: 'tq-muted', text: 'Loading…' }));
    try {
      const data = await request('GET', sitePath(siteId, `/topics/${encodeURIComponent(id)}`), undefined, { signal });
      if (openTopicId !== id) return;
      const topic = data.topic || {};
      const questions = arr(data.questions).slice().sort((a, b) => (Date.parse(b.asked_at) || 0) - (Date.parse(a.asked_at) || 0));
      const summary = topics.find((t) => t.id === id);
      const title = h('h3', { class: 'tq-detail-title', id: 'tq-detail-title', tabindex: '-1', text: str(topic.label) || 'Untitled topic' });
      showDetail(
        h('div', { class: 'tq-detail-head' }, back,
          summary ? h('div', { class: 'tq-topic-figures' }, sparkline(arr(summary.weeks)), trendBadge(summary.trend)) : null),
        title,
        h('p', { class: 'tq-muted', text: `${num(topic.size)} question${num(topic.size) === 1 ? '' : 's'} in all · last asked ${formatAgo(topic.last_asked_at) || 'never'}` }),
        h('ol', { class: 'tq-questions', id: 'tq-questions', 'aria-labelledby': 'tq-detail-title' },
          questions.length ? questions.map(questionItem) : h('li', { class: 'table-empty', text: 'No questions.' })));
      detail.dataset.topicId = id;
      title.focus({ preventScroll: true });
    } catch (err) {
      if (err?.name === 'AbortError' || openTopicId !== id) return;
      showDetail(h('div', { class: 'tq-detail-head' }, back), h('p', { class: 'form-error', role: 'alert', text: str(err?.message) || 'This topic could not be loaded.' }));
    }
  }

  // ---- a chat's transcript, read-only (the hash router's fallback for #chats/{id})
  function messageItem(m) {
    const sender = str(m.sender);
    const who = sender === 'visitor' ? 'Shopper' : sender === 'associate' ? str(m.author) || 'Associate' : 'Salon';
    const kind = str(m.kind);
    const text = kind === 'text' || kind === 'note' || kind === 'system' ? str(m.body) : `${kind.replace(/_/g, ' ')}: ${str(m.body)}`;
    return h('li', { class: 'tq-message', dataset: { sender, kind } },
      h('div', { class: 'tq-question-meta' },
        h('b', { text: kind === 'note' ? `${who} (internal note)` : who }), when(m.created_at)),
      h('p', { class: 'tq-question-text', text }));
  }

  async function openChat(id) {
    if (!id) return;
    const from = openTopicId;
    detailRequest = fresh(detailRequest);
    const { signal } = detailRequest;
    const back = h('button', { class: 'button button-small tq-back', type: 'button', text: from ? '← Back to the topic' : '← All topics' });
    back.addEventListener('click', () => { if (from) openTopic(from); else showList(); });
    showDetail(h('div', { class: 'tq-detail-head' }, back), h('p', { class: 'tq-muted', text: 'Loading the chat…' }));
    try {
      const data = await request('GET', sitePath(siteId, `/chat/conversations/${encodeURIComponent(id)}`), undefined, { signal });
      const c = data.conversation || {};
      const title = h('h3', { class: 'tq-detail-title', id: 'tq-chat-title', tabindex: '-1', text: `Chat ${str(c.reference) || id}` });
      const facts = [str(c.visitor_label), str(c.status), c.associate?.name ? `with ${str(c.associate.name)}` : ''].filter(Boolean).join(' · ');
      const messages = arr(data.messages).filter((m) => m && str(m.body));
      showDetail(
        h('div', { class: 'tq-detail-head' }, back),
        title,
        h('p', { class: 'tq-muted', text: `${facts} · a read-only transcript (reply from Chats once it is yours)` }),
        h('ol', { class: 'tq-questions tq-transcript', id: 'tq-transcript', dataset: { conversationId: id }, 'aria-labelledby': 'tq-chat-title' },
          messages.length ? messages.map(messageItem) : h('li', { class: 'table-empty', text: 'No messages.' })));
      openTopicId = from;
      title.focus({ preventScroll: true });
    } catch (err) {
      if (err?.name === 'AbortError') return;
      showDetail(h('div', { class: 'tq-detail-head' }, back), h('p', { class: 'form-error', role: 'alert', text: str(err?.message) || 'This chat could not be loaded.' }));
    }
  }

  return {
    show() {
      root.hidden = false;
      load(); // fresh counts each time the page is shown; an open topic or chat stays open
    },
    hide() { root.hidden = true; },
    openTopic,
    openChat,
    destroy() {
      if (listRequest) listRequest.abort();
      if (detailRequest) detailRequest.abort();
      root.replaceChildren();
      root.hidden = true;
    },
  };
}
