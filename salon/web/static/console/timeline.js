// Salon console — the customer's timeline across channels, beside every chat.
//
// createTimeline({root, request, getSiteId}) mounts a compact list (icon per channel, relative
// time, summary, sentiment tag) at the top of `root` (the chat's story panel) and returns
// {show(conversationId), clear(), destroy()}. It reads
// GET /api/sites/{site}/chat/conversations/{id}/timeline (docs/api.md, "Customer timeline"), so
// an associate sees "called 6 days ago about a late delivery (negative)" before they answer.
// Everything the store or the shopper wrote is inserted with textContent, never as HTML.

import { h } from './floor.js';

// symbols every system font has (headless Chromium and many kiosks have no emoji font)
const ICONS = {
  web: '⊕', chat: '❝', phone: '☎', email: '✉', social: '♯',
  store_visit: '⌂', appointment: '◷', order: '▣', coupon: '✂',
};
const LABELS = {
  web: 'Web visit', chat: 'Chat', phone: 'Phone call', email: 'E-mail', social: 'Social message',
  store_visit: 'Store visit', appointment: 'Appointment', order: 'Order', coupon: 'Coupon',
};
const MOODS = new Set(['negative', 'neutral', 'positive']);
const SHOWN = 6;

export function relativeTime(epochSeconds, now = Date.now()) {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds)) return '';
  const s = Math.round(now / 1000 - epochSeconds);
  if (s < 60) return s < -60 ? 'upcoming' : 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  if (d < 60) return d === 1 ? 'yesterday' : `${d} days ago`;
  return new Date(epochSeconds * 1000).toLocaleDateString();
}

export function createTimeline({ root, request, getSiteId }) {
  const list = h('ol', { class: 'timeline-list' });
  const status = h('p', { class: 'timeline-status', role: 'status' });
  const more = h('button', { class: 'button button-quiet button-small timeline-more', type: 'button', hidden: true }, 'Show all');
  const section = h(
    'section',
    { class: 'timeline', 'aria-label': 'Customer timeline', hidden: true },
    h('h3', { class: 'story-section-title', text: 'Across channels' }),
    status,
    list,
    more,
  );
  const header = root.querySelector('.story-head');
  if (header) header.after(section); else root.prepend(section);

  let current = null;
  let controller = null;
  let expanded = false;
  let entries = [];

  more.addEventListener('click', () => { expanded = !expanded; render(); });
  const ticker = setInterval(() => { if (!section.hidden && entries.length) render(); }, 60000);

  function item(e) {
    const channel = typeof e.channel === 'string' ? e.channel : 'web';
    const mood = MOODS.has(e.mood) ? e.mood : null;
    const when = relativeTime(e.at);
    const li = h(
      'li',
      { class: 'timeline-item', dataset: { channel, mood: mood || 'none' } },
      h('span', { class: 'timeline-icon', 'aria-hidden': 'true', text: ICONS[channel] || '•' }),
      h(
        'div',
        { class: 'timeline-text' },
        h(
          'div',
          { class: 'timeline-meta' },
          h('span', { class: 'timeline-channel', text: `${LABELS[channel] || channel}${e.direction === 'outbound' ? ' (we reached out)' : ''}` }),
          h('time', { class: 'timeline-when', text: when, datetime: new Date((e.at || 0) * 1000).toISOString() }),
          mood ? h('span', { class: `timeline-mood timeline-mood-${mood}`, text: mood }) : null,
        ),
        h('p', { class: 'timeline-summary', text: typeof e.summary === 'string' ? e.summary : '' }),
      ),
    );
    return li;
  }

  function render() {
    const shown = expanded ? entries : entries.slice(0, SHOWN);
    list.replaceChildren(...shown.map(item));
    more.hidden = entries.length <= SHOWN;
    more.textContent = expanded ? 'Show fewer' : `Show all ${entries.length}`;
  }

  async function show(conversationId) {
    if (!conversationId) { clear(); return; }
    if (conversationId === current) return;
    current = conversationId;
    expanded = false;
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    list.replaceChildren();
    status.textContent = 'Loading…';
    more.hidden = true;
    section.hidden = false;
    try {
      const path = `/api/sites/${encodeURIComponent(getSiteId())}/chat/conversations/${encodeURIComponent(conversationId)}/timeline?limit=50`;
      const data = await request('GET', path, undefined, { signal: mine.signal });
      if (mine !== controller) return;
      entries = Array.isArray(data?.entries) ? data.entries : [];
      if (!data?.customer_id) {
        status.textContent = 'Not an identified customer: no history on other channels.';
      } else {
        status.textContent = entries.length ? '' : 'No contacts on record yet.';
      }
      render();
    } catch (err) {
      if (err?.name === 'AbortError' || mine !== controller) return;
      entries = [];
      list.replaceChildren();
      status.textContent = err?.message || 'Could not load the timeline.';
      current = null;
    }
  }

  function clear() {
    current = null;
    entries = [];
    if (controller) controller.abort();
    controller = null;
    list.replaceChildren();
    section.hidden = true;
  }

  function destroy() {
    clear();
    clearInterval(ticker);
    section.remove();
  }

  return { show, clear, destroy };
}
