// Salon console — a playbook's lift: treated against hold-out as a table, and as a small chart of
// the two conversion rates with the 95% interval of their difference (GET /playbooks/{id}/lift).

import { h, formatMoney } from './floor.js';
import { str } from './chat-api.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const num = (x) => (Number.isFinite(Number(x)) ? Number(x) : 0);
export const pct = (x) => (x === null || x === undefined || !Number.isFinite(Number(x)) ? '—' : `${(Number(x) * 100).toFixed(1)}%`);
const money = (x) => (x === null || x === undefined ? '—' : formatMoney(x));
const points = (x) => (x === null || x === undefined ? '—' : `${Number(x) >= 0 ? '+' : ''}${(Number(x) * 100).toFixed(1)} pts`);

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Two bars (treated, hold-out conversion rate) and the difference's interval on its own axis. */
export function liftChart(lift) {
  const W = 260; const H = 96; const left = 62; const right = W - 12;
  const treated = lift?.treated || {}; const holdout = lift?.holdout || {};
  const scale = (r) => left + Math.max(0, Math.min(1, num(r))) * (right - left);
  const root = svg('svg', { class: 'pb-chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
  const label = `Conversion: treated ${pct(treated.rate)}, hold-out ${pct(holdout.rate)}; difference ${points(lift?.difference)}`
    + (Array.isArray(lift?.interval) ? `, 95% interval ${points(lift.interval[0])} to ${points(lift.interval[1])}` : '');
  root.append(svg('title', {}, label));
  [['Treated', treated.rate, 'pb-bar-treated', 8], ['Hold-out', holdout.rate, 'pb-bar-holdout', 30]].forEach(([name, rate, cls, y]) => {
    root.append(svg('text', { x: 0, y: y + 11, class: 'pb-chart-label' }, name));
    root.append(svg('rect', { x: left, y, width: right - left, height: 14, rx: 3, class: 'pb-bar-track' }));
    if (rate !== null && rate !== undefined) {
      root.append(svg('rect', { x: left, y, width: Math.max(1, scale(rate) - left), height: 14, rx: 3, class: cls }));
    }
    root.append(svg('text', { x: right, y: y + 11, class: 'pb-chart-value', 'text-anchor': 'end' }, pct(rate)));
  });
  // difference axis from -100 to +100 points, zero in the middle
  const y = 72; const mid = (left + right) / 2;
  const at = (d) => mid + Math.max(-1, Math.min(1, num(d))) * ((right - left) / 2);
  root.append(svg('text', { x: 0, y: y + 4, class: 'pb-chart-label' }, 'Difference'));
  root.append(svg('line', { x1: left, x2: right, y1: y, y2: y, class: 'pb-axis' }));
  root.append(svg('line', { x1: mid, x2: mid, y1: y - 8, y2: y + 8, class: 'pb-zero' }));
  if (Array.isArray(lift?.interval)) {
    const [lo, hi] = lift.interval;
    root.append(svg('line', { x1: at(lo), x2: at(hi), y1: y, y2: y, class: 'pb-interval' }));
    for (const end of [lo, hi]) root.append(svg('line', { x1: at(end), x2: at(end), y1: y - 5, y2: y + 5, class: 'pb-interval' }));
  }
  if (lift?.difference !== null && lift?.difference !== undefined) {
    root.append(svg('circle', { cx: at(lift.difference), cy: y, r: 4, class: 'pb-diff-dot' }));
  }
  root.append(svg('text', { x: left, y: H - 2, class: 'pb-chart-tick' }, '−100'));
  root.append(svg('text', { x: mid, y: H - 2, class: 'pb-chart-tick', 'text-anchor': 'middle' }, '0'));
  root.append(svg('text', { x: right, y: H - 2, class: 'pb-chart-tick', 'text-anchor': 'end' }, '+100 pts'));
  return root;
}

/** The lift table: one column per group, then the difference, money and the verdict. */
export function liftTable(lift) {
  const l = lift && typeof lift === 'object' ? lift : {};
  const t = l.treated || {}; const o = l.holdout || {};
  const row = (label, key, a, b) => h('tr', null, h('th', { scope: 'row', text: label }),
    h('td', { class: 'num', dataset: { cell: `treated-${key}` }, text: a }),
    h('td', { class: 'num', dataset: { cell: `holdout-${key}` }, text: b }));
  const interval = Array.isArray(l.interval) ? `${points(l.interval[0])} to ${points(l.interval[1])}` : '—';
  const coupons = l.coupons || {};
  const facts = [
    ['Difference', 'difference', points(l.difference)],
    [`${Math.round(num(l.confidence || 0.95) * 100)}% interval`, 'interval', interval],
    ['Coupon cost', 'coupon-cost', money(l.coupon_cost)],
    ['Incremental revenue', 'incremental-revenue', money(l.incremental_revenue)],
    ['Net', 'net', money(l.net)],
    ['Coupons issued / redeemed', 'coupons', `${num(coupons.issued)} / ${num(coupons.redeemed)}`],
  ];
  return h('div', { class: 'pb-lift' },
    h('table', { class: 'data-table pb-lift-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col', text: '' }),
        h('th', { scope: 'col', class: 'num', text: 'Treated' }), h('th', { scope: 'col', class: 'num', text: 'Hold-out' }))),
      h('tbody', null,
        row('Shoppers', 'shoppers', String(num(t.shoppers)), String(num(o.shoppers))),
        row('Conversions', 'conversions', String(num(t.conversions)), String(num(o.conversions))),
        row('Conversion rate', 'rate', pct(t.rate), pct(o.rate)),
        row('Revenue', 'revenue', money(t.revenue), money(o.revenue)))),
    h('dl', { class: 'pb-facts' }, facts.flatMap(([label, key, value]) => [
      h('dt', { text: label }), h('dd', { dataset: { cell: key }, text: value })])),
    h('p', { class: 'pb-verdict', dataset: { cell: 'verdict' }, text: str(l.verdict) }),
    liftChart(l));
}
