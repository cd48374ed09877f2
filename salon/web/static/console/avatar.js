// Salon console — visitor avatars.
//
// renderAvatar(spec) builds a small SVG figure whose face shows the visitor's mood and whose
// accessories show what they are doing (bag = cart, ribbon = loyalty tier, gift box = gift intent,
// hourglass = about to abandon, speech bubble = chatting, star = returning visitor).
//
// Everything is built with createElementNS/setAttribute/textContent: no markup strings, so no
// visitor-controlled text can ever become markup. The only free text that ends up in the SVG is the
// plain-words description in <title>, set with textContent.

const SVG_NS = 'http://www.w3.org/2000/svg';

export const MOODS = ['neutral', 'smile', 'excited', 'frustrated', 'undecided'];
export const RIBBONS = ['silver', 'gold', 'platinum'];

// Background tint per mood: readable at a glance even before the face is.
const MOOD_TINT = {
  neutral: '#e8edf3',
  smile: '#dcf1e3',
  excited: '#fff0c2',
  frustrated: '#fbdcdc',
  undecided: '#e9e3f8',
};

const SKIN = ['#f5d2b4', '#eab98f', '#d39b6f', '#a8704a', '#7d4f33'];
const HAIR = ['#2b2220', '#553524', '#9b6434', '#d6ad63', '#6e6a6a', '#1d2030', '#8a3b2a'];
const SHIRT = ['#4f7cac', '#5f8f58', '#8e64a6', '#c0704e', '#3c8c89', '#5867b8', '#b0587a', '#6b7785'];

const INK = '#262233';

const RIBBON_COLOURS = {
  silver: { outer: '#9aa3ae', inner: '#e6eaef', tail: '#7c8693', dot: '#c3c9d1' },
  gold: { outer: '#d39b12', inner: '#f8d766', tail: '#b07f0b', dot: '#fbe9a6' },
  platinum: { outer: '#5f6f9c', inner: '#dfe6f7', tail: '#4a5a86', dot: '#ffffff' },
};

function clampInt(value, lo, hi) {
  const n = Math.round(Number(value));
  if (!Number.isFinite(n)) return lo;
  return Math.min(hi, Math.max(lo, n));
}

/** Normalise whatever the server sent into a well-formed avatar spec. */
export function normaliseSpec(spec) {
  const s = spec && typeof spec === 'object' ? spec : {};
  return {
    mood: MOODS.includes(s.mood) ? s.mood : 'neutral',
    bag: clampInt(s.bag, 0, 3),
    ribbon: RIBBONS.includes(s.ribbon) ? s.ribbon : null,
    gift: Boolean(s.gift),
    hourglass: Boolean(s.hourglass),
    bubble: Boolean(s.bubble),
    star: Boolean(s.star),
    seed: typeof s.seed === 'string' ? s.seed : '',
  };
}

/** A stable string for "does this avatar need redrawing". */
export function avatarKey(spec) {
  const s = normaliseSpec(spec);
  return [s.mood, s.bag, s.ribbon || '-', +s.gift, +s.hourglass, +s.bubble, +s.star, s.seed].join('|');
}

const BAG_WORDS = ['', 'small cart', 'medium cart', 'large cart'];
const MOOD_WORDS = { neutral: 'neutral', smile: 'smiling', excited: 'excited', frustrated: 'frustrated', undecided: 'undecided' };

/** Plain-words description, e.g. "frustrated visitor, large cart, returning". */
export function describeAvatar(spec) {
  const s = normaliseSpec(spec);
  const parts = [`${MOOD_WORDS[s.mood]} visitor`];
  if (s.bag > 0) parts.push(BAG_WORDS[s.bag]);
  if (s.ribbon) parts.push(`${s.ribbon} loyalty`);
  if (s.gift) parts.push('shopping for a gift');
  if (s.hourglass) parts.push('about to abandon');
  if (s.bubble) parts.push('chatting');
  if (s.star) parts.push('returning');
  return parts.join(', ');
}

function hash(str) {
  // FNV-1a, 32 bit: only used to pick colours, so a visitor keeps the same look.
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i += 1) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function node(name, attrs, parent) {
  const el = document.createElementNS(SVG_NS, name);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      el.setAttribute(k, String(v));
    }
  }
  if (parent) parent.appendChild(el);
  return el;
}

function group(parent, cls) {
  return node('g', { class: cls }, parent);
}

// ---------------------------------------------------------------- figure parts

function drawHairBack(g, style, colour) {
  if (style === 1) {
    // shoulder-length hair behind the head
    node('path', {
      d: 'M26 30 Q25 13 40 13 Q55 13 54 30 L55 41 Q52 44 48 42 L32 42 Q28 44 25 41 Z',
      fill: colour,
    }, g);
  } else if (style === 2) {
    // bun on top
    node('circle', { cx: 40, cy: 12.5, r: 5.2, fill: colour }, g);
  }
}

function drawHairFront(g, style, colour) {
  if (style === 2) {
    node('path', {
      d: 'M27 28 Q26.5 15 40 15 Q53.5 15 53 28 Q50 21 40 20.5 Q30 21 27 28 Z',
      fill: colour,
    }, g);
    return;
  }
  // short crop / fringe
  node('path', {
    d: 'M26.6 29 Q25.5 14 40 14 Q54.5 14 53.4 29 Q52 22.5 46 21 Q41 23.5 34 21.6 Q28.5 22.5 26.6 29 Z',
    fill: colour,
  }, g);
}

function drawBody(g, shirt, skin, spec) {
  const shade = 'rgba(0,0,0,0.16)';
  // torso, down to the bottom edge of the avatar
  node('path', {
    d: 'M21 80 L21 61 Q21 47.5 34 46.5 L46 46.5 Q59 47.5 59 61 L59 80 Z',
    fill: shirt,
  }, g);
  // collar / neck
  node('path', { d: 'M35.5 46.5 Q40 52 44.5 46.5 Z', fill: skin }, g);
  node('path', { d: 'M35.5 46.5 Q40 52 44.5 46.5', fill: 'none', stroke: shade, 'stroke-width': 1 }, g);
  // arms: the right arm lifts a little when it holds a bag, the left when it holds a gift
  const rightHand = spec.bag > 0 ? [61, 56] : [61.5, 67];
  const leftHand = spec.gift ? [18.5, 60] : [18.5, 67];
  node('path', {
    d: `M55 52 Q60 55 ${rightHand[0]} ${rightHand[1]}`,
    fill: 'none', stroke: shirt, 'stroke-width': 6, 'stroke-linecap': 'round',
  }, g);
  node('path', {
    d: `M55 52 Q60 55 ${rightHand[0]} ${rightHand[1]}`,
    fill: 'none', stroke: shade, 'stroke-width': 6, 'stroke-linecap': 'round', opacity: 0.35,
  }, g);
  node('path', {
    d: `M25 52 Q20 55 ${leftHand[0]} ${leftHand[1]}`,
    fill: 'none', stroke: shirt, 'stroke-width': 6, 'stroke-linecap': 'round',
  }, g);
  node('path', {
    d: `M25 52 Q20 55 ${leftHand[0]} ${leftHand[1]}`,
    fill: 'none', stroke: shade, 'stroke-width': 6, 'stroke-linecap': 'round', opacity: 0.35,
  }, g);
  node('circle', { cx: rightHand[0], cy: rightHand[1] + 1, r: 2.9, fill: skin }, g);
  node('circle', { cx: leftHand[0], cy: leftHand[1] + 1, r: 2.9, fill: skin }, g);
  return { rightHand, leftHand };
}

function drawHead(g, skin) {
  node('ellipse', { cx: 26.6, cy: 29.5, rx: 2.2, ry: 3, fill: skin }, g); // ears
  node('ellipse', { cx: 53.4, cy: 29.5, rx: 2.2, ry: 3, fill: skin }, g);
  node('circle', { cx: 40, cy: 29, r: 13.4, fill: skin }, g);
}

// ---------------------------------------------------------------- faces

const stroke = (w = 1.8) => ({ fill: 'none', stroke: INK, 'stroke-width': w, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' });

function drawEyes(g, dx = 0, r = 1.9) {
  node('circle', { cx: 35 + dx, cy: 29, r, fill: INK }, g);
  node('circle', { cx: 45 + dx, cy: 29, r, fill: INK }, g);
}

function drawCheeks(g, colour, opacity) {
  node('circle', { cx: 31.8, cy: 33.6, r: 2.5, fill: colour, opacity }, g);
  node('circle', { cx: 48.2, cy: 33.6, r: 2.5, fill: colour, opacity }, g);
}

function drawFace(g, mood) {
  const face = group(g, 'avatar-face');
  face.setAttribute('data-mood', mood);
  switch (mood) {
    case 'smile':
      drawEyes(face);
      drawCheeks(face, '#f08a8a', 0.35);
      node('path', { d: 'M34.5 33.6 Q40 39 45.5 33.6', ...stroke(1.9) }, face);
      break;
    case 'excited':
      // raised, arched brows; sparkling eyes; big open smile
      node('path', { d: 'M32.2 23.6 Q35 20.6 37.8 23.2', ...stroke(1.6) }, face);
      node('path', { d: 'M42.2 23.2 Q45 20.6 47.8 23.6', ...stroke(1.6) }, face);
      drawEyes(face, 0, 2.15);
      node('circle', { cx: 35.7, cy: 28.3, r: 0.7, fill: '#fff' }, face);
      node('circle', { cx: 45.7, cy: 28.3, r: 0.7, fill: '#fff' }, face);
      drawCheeks(face, '#f08a8a', 0.4);
      node('path', {
        d: 'M33.4 32.6 Q40 33.6 46.6 32.6 Q45.8 40.6 40 40.6 Q34.2 40.6 33.4 32.6 Z',
        fill: '#7d2434', stroke: INK, 'stroke-width': 1.2, 'stroke-linejoin': 'round',
      }, face);
      node('path', { d: 'M36.2 38.4 Q40 35.8 43.8 38.4 Q42.4 40.2 40 40.2 Q37.6 40.2 36.2 38.4 Z', fill: '#f07d8c' }, face);
      break;
    case 'frustrated':
      // brows angled down towards the nose, frown, flushed cheeks
      node('path', { d: 'M31.8 23 L37.6 25.4', ...stroke(2) }, face);
      node('path', { d: 'M48.2 23 L42.4 25.4', ...stroke(2) }, face);
      drawEyes(face, 0, 1.85);
      drawCheeks(face, '#e5484d', 0.5);
      node('path', { d: 'M34.8 37.4 Q40 32.4 45.2 37.4', ...stroke(1.9) }, face);
      break;
    case 'undecided': {
      // eyes glancing sideways, one brow up, wavy mouth
      for (const cx of [35, 45]) {
        node('ellipse', { cx, cy: 29, rx: 2.9, ry: 2.6, fill: '#fff', stroke: 'rgba(0,0,0,0.18)', 'stroke-width': 0.6 }, face);
        node('circle', { cx: cx + 1.3, cy: 28.8, r: 1.55, fill: INK }, face);
      }
      node('path', { d: 'M32.2 23.4 Q35 21 37.8 23', ...stroke(1.5) }, face);
      node('path', { d: 'M42.4 24.4 L47.6 24.2', ...stroke(1.5) }, face);
      node('path', { d: 'M34 35.4 q1.5 -1.8 3 0 t3 0 t3 0 t3 0', ...stroke(1.7) }, face);
      break;
    }
    default:
      drawEyes(face);
      node('path', { d: 'M36 35 L44 35', ...stroke(1.8) }, face);
  }
}

// ---------------------------------------------------------------- accessories

const HALO = { stroke: '#ffffff', 'stroke-width': 2.2, 'paint-order': 'stroke', 'stroke-linejoin': 'round' };

function drawQuestionMark(g) {
  const t = node('text', {
    x: 63.5, y: 33, 'font-size': 15, 'font-weight': 700,
    'font-family': 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
    fill: '#7b5cc4', 'text-anchor': 'middle', ...HALO,
  }, group(g, 'avatar-question'));
  t.textContent = '?';
}

function drawBag(g, size, hand) {
  const b = group(g, 'avatar-bag');
  b.setAttribute('data-size', String(size));
  const [w, h] = { 1: [12, 11], 2: [15, 14], 3: [18, 17] }[size];
  const cx = hand[0] + 1;
  const top = hand[1] + 3.5;
  const x = cx - w / 2;
  const hw = w * 0.27;
  // handle from the hand
  node('path', {
    d: `M${cx - hw} ${top + 0.5} Q${cx - hw} ${hand[1] - 2} ${cx} ${hand[1] - 2} Q${cx + hw} ${hand[1] - 2} ${cx + hw} ${top + 0.5}`,
    fill: 'none', stroke: '#c9a24a', 'stroke-width': 1.7, 'stroke-linecap': 'round',
  }, b);
  if (size >= 2) {
    // tissue paper peeking out; a full bag also shows a gift-wrapped box
    node('path', { d: `M${x + 1.5} ${top + 1} L${x + 4.5} ${top - 4.5} L${x + 7.5} ${top + 1} Z`, fill: '#f4b8c4', stroke: '#d98a9b', 'stroke-width': 0.6 }, b);
  }
  if (size === 3) {
    node('rect', { x: x + w - 8.5, y: top - 5, width: 7, height: 7, rx: 1, fill: '#f7d774', stroke: '#c9a640', 'stroke-width': 0.7 }, b);
  }
  node('path', {
    d: `M${x} ${top} L${x + w} ${top} L${x + w - 0.8} ${top + h} L${x + 0.8} ${top + h} Z`,
    fill: '#2a2838', ...HALO,
  }, b);
  node('rect', { x: x + 0.4, y: top, width: w - 0.8, height: 2.4, fill: '#3b3950' }, b);
  // monogram on the bag
  node('circle', { cx, cy: top + h * 0.58, r: Math.max(1.8, w * 0.15), fill: 'none', stroke: '#c9a24a', 'stroke-width': 1 }, b);
}

function drawRibbon(g, tier) {
  const c = RIBBON_COLOURS[tier];
  const r = group(g, 'avatar-ribbon');
  r.setAttribute('data-tier', tier);
  const cx = 33.5;
  const cy = 58;
  node('path', { d: `M${cx - 3.2} ${cy + 1} L${cx - 5.4} ${cy + 12} L${cx - 2.6} ${cy + 10.2} L${cx - 0.6} ${cy + 12.4} L${cx} ${cy + 1} Z`, fill: c.tail, ...HALO, 'stroke-width': 1.2 }, r);
  node('path', { d: `M${cx + 3.2} ${cy + 1} L${cx + 5.4} ${cy + 12} L${cx + 2.6} ${cy + 10.2} L${cx + 0.6} ${cy + 12.4} L${cx} ${cy + 1} Z`, fill: c.tail, ...HALO, 'stroke-width': 1.2 }, r);
  // scalloped rosette: a ring of small circles
  for (let i = 0; i < 10; i += 1) {
    const a = (i / 10) * Math.PI * 2;
    node('circle', { cx: (cx + Math.cos(a) * 5).toFixed(2), cy: (cy + Math.sin(a) * 5).toFixed(2), r: 2.1, fill: c.outer }, r);
  }
  node('circle', { cx, cy, r: 5, fill: c.outer }, r);
  node('circle', { cx, cy, r: 3.4, fill: c.inner }, r);
  node('circle', { cx, cy, r: 1.3, fill: c.dot }, r);
}

function drawGift(g, hand) {
  const b = group(g, 'avatar-gift');
  const w = 15;
  const hh = 13;
  const x = hand[0] - w / 2 + 0.5;
  const y = hand[1] + 3;
  node('rect', { x, y, width: w, height: hh, rx: 1.5, fill: '#d8485c', ...HALO }, b);
  node('rect', { x: x - 0.9, y, width: w + 1.8, height: 4, rx: 1, fill: '#e8596d' }, b);
  node('rect', { x: x + w / 2 - 1.3, y, width: 2.6, height: hh, fill: '#f6cf4f' }, b);
  const m = x + w / 2;
  node('path', { d: `M${m} ${y} Q${m - 6} ${y - 6} ${m - 5.2} ${y - 0.8} Z M${m} ${y} Q${m + 6} ${y - 6} ${m + 5.2} ${y - 0.8} Z`, fill: '#f6cf4f', stroke: '#c99f22', 'stroke-width': 0.8 }, b);
}

function drawHourglass(g) {
  const b = group(g, 'avatar-hourglass');
  const x = 4.5;
  const y = 33;
  node('rect', { x: x - 1, y: y - 1.6, width: 12, height: 21.2, rx: 3, fill: '#ffffff', opacity: 0.9 }, b);
  node('path', { d: `M${x + 1} ${y + 1} L${x + 9} ${y + 1} L${x + 5.6} ${y + 9} L${x + 9} ${y + 17} L${x + 1} ${y + 17} L${x + 4.4} ${y + 9} Z`, fill: '#fdf3e4', stroke: '#8a5a2b', 'stroke-width': 1.1, 'stroke-linejoin': 'round' }, b);
  // sand: little left on top, a pile at the bottom
  node('path', { d: `M${x + 3.6} ${y + 5} L${x + 6.4} ${y + 5} L${x + 5.1} ${y + 8.2} L${x + 4.9} ${y + 8.2} Z`, fill: '#e8873a' }, b);
  node('path', { d: `M${x + 5} ${y + 9} L${x + 5} ${y + 13}`, stroke: '#e8873a', 'stroke-width': 0.8 }, b);
  node('path', { d: `M${x + 2} ${y + 16.6} Q${x + 5} ${y + 11.5} ${x + 8} ${y + 16.6} Z`, fill: '#e8873a' }, b);
  node('rect', { x, y, width: 10, height: 1.8, rx: 0.9, fill: '#8a5a2b' }, b);
  node('rect', { x, y: y + 16.4, width: 10, height: 1.8, rx: 0.9, fill: '#8a5a2b' }, b);
}

function drawBubble(g) {
  const b = group(g, 'avatar-bubble');
  node('path', {
    d: 'M59 3.5 H75 Q78 3.5 78 6.5 V15 Q78 18 75 18 H64 L59.5 22 L60.5 18 Q56 18 56 15 V6.5 Q56 3.5 59 3.5 Z',
    fill: '#ffffff', stroke: '#3567d6', 'stroke-width': 1.5, 'stroke-linejoin': 'round',
  }, b);
  for (const cx of [61.8, 67, 72.2]) node('circle', { cx, cy: 10.8, r: 1.55, fill: '#3567d6' }, b);
}

function drawStar(g) {
  const b = group(g, 'avatar-star');
  const cx = 11;
  const cy = 11;
  const pts = [];
  for (let i = 0; i < 10; i += 1) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rad = i % 2 === 0 ? 7.6 : 3.4;
    pts.push(`${(cx + Math.cos(a) * rad).toFixed(2)},${(cy + Math.sin(a) * rad).toFixed(2)}`);
  }
  node('polygon', { points: pts.join(' '), fill: '#f4b400', stroke: '#ffffff', 'stroke-width': 2, 'paint-order': 'stroke', 'stroke-linejoin': 'round' }, b);
  node('polygon', { points: pts.join(' '), fill: 'none', stroke: '#c98f00', 'stroke-width': 0.7, 'stroke-linejoin': 'round' }, b);
}

// ---------------------------------------------------------------- public

/**
 * Build the avatar SVG for an avatar spec (the `avatar` object of a VisitSummary; an optional `seed`,
 * e.g. the visit id, picks stable skin/hair/clothes colours) .
 * @returns {SVGSVGElement}
 */
export function renderAvatar(spec) {
  const s = normaliseSpec(spec);
  const h = hash(s.seed || 'salon');
  const skin = SKIN[h % SKIN.length];
  const hair = HAIR[(h >>> 5) % HAIR.length];
  const shirt = SHIRT[(h >>> 10) % SHIRT.length];
  const hairStyle = (h >>> 15) % 3;

  const svg = node('svg', {
    viewBox: '0 0 80 80',
    width: 72,
    height: 72,
    role: 'img',
    class: 'avatar',
    focusable: 'false',
    'data-mood': s.mood,
    'data-bag': s.bag,
    'data-ribbon': s.ribbon || '',
  });
  const title = node('title', null, svg);
  title.textContent = describeAvatar(s);
  svg.setAttribute('aria-label', title.textContent);

  node('rect', { class: 'avatar-bg', x: 0, y: 0, width: 80, height: 80, rx: 18, fill: MOOD_TINT[s.mood] }, svg);

  const figure = group(svg, 'avatar-figure');
  // a slightly oversized head keeps the face readable at 64-80 px
  const headBack = group(figure, 'avatar-hair-back');
  headBack.setAttribute('transform', 'translate(40 30) scale(1.14) translate(-40 -30)');
  drawHairBack(headBack, hairStyle, hair);
  const hands = drawBody(figure, shirt, skin, s);
  const head = group(figure, 'avatar-head');
  head.setAttribute('transform', 'translate(40 30) scale(1.14) translate(-40 -30)');
  drawHead(head, skin);
  drawHairFront(head, hairStyle, hair);
  drawFace(head, s.mood);

  if (s.mood === 'undecided') drawQuestionMark(svg);
  if (s.ribbon) drawRibbon(svg, s.ribbon);
  if (s.gift) drawGift(svg, hands.leftHand);
  if (s.bag > 0) drawBag(svg, s.bag, hands.rightHand);
  if (s.hourglass) drawHourglass(svg);
  if (s.bubble) drawBubble(svg);
  if (s.star) drawStar(svg);
  return svg;
}
