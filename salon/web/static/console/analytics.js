// Salon console — the "Analytics" view (supervisors): conversion with and without a chat (naive
// and adjusted for intent), the queue, CSAT, handle times, attributed sales, playbook lift and
// recurring topics, filtered by date range and associate, each chart with its CSV export.
//
// API: salon/analytics/routes.py. Charts are SVG drawn by the server (no charting library, no
// CDN) with every label escaped there; here they are parsed as XML (never as HTML), stripped of
// anything active as a second guard, and adopted. Other text goes in through textContent.

import { h } from './floor.js';
import { sitePath, str } from './chat-api.js';

const CHARTS = [
  ['conversion', 'Chat and conversion'],
  ['queue', 'Queue wait'],
  ['heatmap', 'Chats per hour'],
  ['staffing', 'Staffing for a target wait'],
  ['csat', 'CSAT per associate'],
  ['csat-weekly', 'CSAT over time'],
  ['handle-times', 'Handle times'],
  ['attribution', 'Attributed sales'],
  ['playbooks', 'Playbook lift and coupon ROI'],
  ['topics', 'Recurring questions'],
];
const SVG_NS = 'http://www.w3.org/2000/svg';
const pct = (x) => (Number.isFinite(Number(x)) && x !== null ? `${(Number(x) * 100).toFixed(1)}%` : 'n/a');
const secs = (x) => (Number.isFinite(Number(x)) && x !== null ? `${Math.round(Number(x))} s` : 'n/a');
const isoDay = (d) => d.toISOString().slice(0, 10);

/** An SVG from the server as an inert element, or null. */
function toSvg(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SVG_NS || root.localName !== 'svg') return null;
  for (const bad of root.querySelectorAll('script, foreignObject, a, use, image, style')) bad.remove();
  for (const el of [root, ...root.querySelectorAll('*')]) {
    for (const attr of [...el.attributes]) {
      if (/^on/i.test(attr.name) || /href$/i.test(attr.name) || attr.name === 'style') el.removeAttribute(attr.name);
    }
  }
  return document.importNode(root, true);
}

/** createAnalytics({root, request, siteId, me}) → {show(), hide(), destroy()} */
export function createAnalytics({ root, request, siteId }) {
  let controller = null;
  const today = new Date();
  const from = h('input', { id: 'an-from', type: 'date', value: isoDay(new Date(today.getTime() - 27 * 864e5)) });
  const to = h('input', { id: 'an-to', type: 'date', value: isoDay(today) });
  const who = h('select', { id: 'an-associate' }, h('option', { value: '', text: 'All associates' }));
  const target = h('input', { id: 'an-target', type: 'number', min: '1', max: '3600', value: '60', title: 'Target wait (seconds)' });
  const apply = h('button', { id: 'an-apply', class: 'button button-primary button-small', type: 'button', text: 'Apply' });
  const status = h('p', { class: 'attribution-status an-status', role: 'status', hidden: true });
  const sentence = h('p', { class: 'an-sentence', id: 'an-sentence' });
  const queueLine = h('p', { class: 'an-queue', id: 'an-queue-line' });
  const grid = h('div', { class: 'an-grid', id: 'an-grid' });
  const boxes = new Map();
  for (const [name, title] of CHARTS) {
    const csv = h('a', { class: 'button button-small an-csv', text: 'CSV', download: '' });
    const figure = h('div', { class: 'an-figure', dataset: { chart: name } });
    const extra = name === 'conversion' ? sentence : name === 'queue' ? queueLine : null;
    grid.append(h('section', { class: 'card an-card', id: `an-${name}` },
      h('header', { class: 'an-card-head' }, h('h3', { class: 'card-title', text: title }), csv),
      figure, extra));
    boxes.set(name, { figure, csv });
  }
  root.replaceChildren(
    h('header', { class: 'attribution-head' },
      h('div', null,
        h('h2', { class: 'attribution-title', id: 'analytics-title', text: 'Analytics' }),
        h('p', { class: 'attribution-sub', text: 'The honest lift of chat, the queue, and the team. Dates are inclusive, in UTC.' })),
      h('div', { class: 'an-filters' },
        h('label', null, 'From ', from), h('label', null, 'To ', to),
        h('label', null, 'Associate ', who), h('label', null, 'Target wait (s) ', target), apply)),
    status, grid);
  apply.addEventListener('click', () => load());

  function setStatus(text, kind = 'info') {
    status.textContent = text || '';
    status.dataset.kind = kind;
    status.hidden = !text;
  }

  function query(format) {
    const q = new URLSearchParams({ from: from.value, to: to.value, target_wait: target.value || '60' });
    if (who.value) q.set('associate_id', who.value);
    if (format) q.set('format', format);
    return q.toString();
  }

  async function drawChart(name, signal) {
    const path = sitePath(siteId, `/analytics/${name}`);
    const box = boxes.get(name);
    box.csv.href = `${path}?${query('csv')}`;
    const res = await fetch(`${path}?${query('svg')}`, { credentials: 'same-origin', cache: 'no-store', signal });
    if (!res.ok) throw new Error(`${name}: Salon answered ${res.status}`);
    const svg = toSvg(await res.text());
    box.figure.replaceChildren(svg || h('p', { class: 'table-empty', text: 'This chart could not be drawn.' }));
  }

  async function load() {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    root.dataset.loaded = 'false';
    setStatus('Loading…');
    try {
      const conversion = await request('GET', `${sitePath(siteId, '/analytics/conversion')}?${query()}`, undefined, { signal });
      sentence.textContent = str(conversion?.sentence);
      const q = await request('GET', `${sitePath(siteId, '/analytics/queue')}?${query()}`, undefined, { signal });
      queueLine.textContent = `${q.chats} chats, ${q.answered} answered, median wait ${secs(q.wait_p50_seconds)}, 90% within ${secs(q.wait_p90_seconds)}, abandonment ${pct(q.abandonment_rate)}.`;
      await Promise.all(CHARTS.map(([name]) => drawChart(name, signal)));
      setStatus('');
      root.dataset.loaded = 'true';
    } catch (err) {
      if (err?.name === 'AbortError') return;
      setStatus(str(err?.message) || 'Analytics could not be loaded.', 'error');
    }
  }

  async function loadAssociates() {
    try {
      const index = await request('GET', sitePath(siteId, '/analytics'));
      for (const a of Array.isArray(index?.associates) ? index.associates : []) {
        who.append(h('option', { value: str(a.id), text: str(a.name) }));
      }
    } catch { /* the filter stays at "All associates" */ }
  }

  let started = false;
  return {
    show() {
      root.hidden = false;
      if (!started) { started = true; loadAssociates(); }
      load();
    },
    hide() { root.hidden = true; if (controller) controller.abort(); },
    destroy() { if (controller) controller.abort(); root.replaceChildren(); },
  };
}
