/*
 * Maison Aurel, the demo storefront's own script (loaded after Salon's widget, both `defer`).
 *
 * The site runs under a strict Content-Security-Policy, so there is no inline script or style
 * anywhere: page data comes from data attributes, and everything is drawn with DOM APIs and
 * textContent, never innerHTML. Every Salon call goes through salon(), which checks that
 * window.Salon exists, so the shop keeps working when the widget is blocked.
 *
 * Stable hooks for browser tests
 *   every page  body[data-customer][data-signature] (signed in), #search-form, #search-input,
 *               #cart-link, #cart-count, #account-link
 *   product     #product[data-product-id], .swatch[data-colour="Black"], .size[data-size="M"]
 *               (.is-selected, .is-soldout), #selected-colour, #selected-size, #stock,
 *               #variant-id, #product-image, #quantity, #add-to-cart, #wishlist, #cart-notice
 *   category    #category-products, .product-card, .product-link[data-product-id], .sort-link
 *   search      #search-page[data-query], #search-results, #search-empty
 *   cart        #cart-lines > .cart-line[data-variant-id], .qty-inc, .qty-dec, .qty-value,
 *               .remove-line, #cart-subtotal, #cart-empty, #checkout-link
 *   checkout    #checkout[data-step], #step-details, #step-shipping, #step-payment,
 *               #step-review, #checkout-name, #checkout-email, #checkout-phone,
 *               #checkout-address, #checkout-city, #checkout-postcode, #checkout-country,
 *               #fill-demo, #ship-standard, #ship-express, #ship-boutique, #gift-wrap,
 *               #pay-card, #pay-transfer, #pay-boutique, #checkout-next, #checkout-back,
 *               #place-order, #checkout-error, #summary-total, #checkout-empty,
 *               #coupon-code, #coupon-apply, #coupon-result[data-state=checking|applied|
 *               refused|error], #summary-discount-row, #summary-discount
 *   confirmation #confirmation[data-order-id], #order-id, #order-recap, #order-total,
 *               #order-discount
 *   account     #demo-customer, #signin, #signout, #loyalty-tier, #orders, #wishlist-items
 *
 * Storage: localStorage "maison_cart" = [{product_id, variant_id, name, price, quantity,
 * colour, size}], localStorage "maison_wishlist" = [{product_id, name}], sessionStorage
 * "maison_last_order" = the order just placed (for the confirmation page), sessionStorage
 * "maison_coupon" = a code Salon's widget handed over before the checkout (applied there).
 *
 * Coupons: the checkout's "Coupon code" asks Salon (POST <widget origin>/api/coupons/check, the
 * origin and site key from the widget's script tag) and shows the discount and the new total, or
 * why the code was refused. Salon's widget fires `salon:coupon` when the shopper presses "Apply
 * code" on an offer: the code is filled in and applied (or kept for the checkout).
 *
 * Salon events sent: variant_select, add_to_cart, remove_from_cart, wishlist_add, search,
 * checkout_step (1 details, 2 shipping, 3 payment, 4 review), purchase (with coupon and
 * discount when a code was applied; total after the discount); then Salon.flush().
 */
(function () {
  'use strict';

  const CART_KEY = 'maison_cart';
  const WISHLIST_KEY = 'maison_wishlist';
  const ORDER_KEY = 'maison_last_order';
  const COUPON_KEY = 'maison_coupon';
  const COUPON_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
  const COUPON_REASONS = {
    unknown: 'We do not recognise this code.',
    expired: 'This code has expired.',
    used: 'This code has already been used.',
    below_minimum: 'Your order does not reach the minimum for this code yet.',
    not_yours: 'This code belongs to another client account.',
  };
  const STEP_NAMES = ['details', 'shipping', 'payment', 'review'];
  const NEXT_LABELS = ['Continue to delivery', 'Continue to payment', 'Review your order', ''];
  const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
  const CODE_PATTERN = /^[A-Z0-9]{1,8}$/;
  const MAX_PRICE = 10000000;

  // --- Salon, always guarded -------------------------------------------------------------

  function salon(method) {
    const api = window.Salon;
    if (!api || typeof api[method] !== 'function') return undefined;
    try {
      return api[method].apply(api, Array.prototype.slice.call(arguments, 1));
    } catch (err) {
      if (window.console) console.warn('Salon.' + method + ' failed', err);
      return undefined;
    }
  }

  function track(type, fields) {
    salon('track', type, fields);
  }

  /** Send queued events, then navigate (at most 1.5 s later if the flush is slow). */
  function flushThenGo(url) {
    let gone = false;
    const go = function () {
      if (!gone) {
        gone = true;
        window.location.assign(url);
      }
    };
    const result = salon('flush');
    if (result && typeof result.then === 'function') {
      result.then(go, go);
      window.setTimeout(go, 1500);
    } else {
      go();
    }
  }

  // --- storage (falls back to memory when storage is disabled) -----------------------------

  function usable(kind) {
    try {
      const storage = window[kind];
      storage.setItem('__maison', '1');
      storage.removeItem('__maison');
      return storage;
    } catch (err) {
      return null;
    }
  }

  const local = usable('localStorage');
  const session = usable('sessionStorage');
  const memory = new Map();

  function load(storage, key) {
    let raw = null;
    try {
      raw = storage ? storage.getItem(key) : memory.get(key) || null;
    } catch (err) {
      raw = null;
    }
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch (err) {
      return null;
    }
  }

  function save(storage, key, value) {
    const raw = JSON.stringify(value);
    try {
      if (storage) {
        storage.setItem(key, raw);
        return;
      }
    } catch (err) {
      /* quota or privacy mode: keep it in memory for this page */
    }
    memory.set(key, raw);
  }

  // --- cart and wish list ------------------------------------------------------------------

  function cleanLine(line) {
    if (!line || typeof line !== 'object') return null;
    const price = Number(line.price);
    const quantity = Number(line.quantity);
    if (!ID_PATTERN.test(String(line.product_id)) || !ID_PATTERN.test(String(line.variant_id))) {
      return null;
    }
    if (!Number.isFinite(price) || price < 0 || price > MAX_PRICE) return null;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) return null;
    return {
      product_id: String(line.product_id),
      variant_id: String(line.variant_id),
      name: String(line.name || '').slice(0, 200),
      price: price,
      quantity: quantity,
      colour: String(line.colour || '').slice(0, 64),
      size: String(line.size || '').slice(0, 64),
    };
  }

  function getCart() {
    const stored = load(local, CART_KEY);
    return Array.isArray(stored) ? stored.map(cleanLine).filter(Boolean) : [];
  }

  function setCart(lines) {
    save(local, CART_KEY, lines);
    updateCartCount();
  }

  function cartTotals(lines) {
    const subtotal = lines.reduce(function (sum, l) { return sum + l.price * l.quantity; }, 0);
    return { subtotal: Math.round(subtotal * 100) / 100 };
  }

  function getWishlist() {
    const stored = load(local, WISHLIST_KEY);
    if (!Array.isArray(stored)) return [];
    return stored.filter(function (item) {
      return item && ID_PATTERN.test(String(item.product_id));
    }).map(function (item) {
      return { product_id: String(item.product_id), name: String(item.name || '').slice(0, 200) };
    });
  }

  function eventFields(line, quantity) {
    return {
      product_id: line.product_id,
      variant_id: line.variant_id,
      name: line.name,
      price: line.price,
      quantity: quantity,
    };
  }

  // --- small DOM helpers -------------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    const el = byId(id);
    if (el) el.textContent = text;
  }

  const wholeEuros = new Intl.NumberFormat('en-IE', {
    style: 'currency', currency: 'EUR', minimumFractionDigits: 0, maximumFractionDigits: 0,
  });
  const euros = new Intl.NumberFormat('en-IE', {
    style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 2,
  });

  function eur(value) {
    return (Number.isInteger(value) ? wholeEuros : euros).format(value);
  }

  /** The image of a cart line, from its variant id ("P101-BLK-M" -> P101-BLK.svg). */
  function lineImage(line) {
    const code = line.variant_id.split('-')[1] || '';
    if (!CODE_PATTERN.test(code)) return '/shop/static/favicon.svg';
    return '/shop/static/img/' + encodeURIComponent(line.product_id) + '-' + code + '.svg';
  }

  function lineDescription(line) {
    const parts = [];
    if (line.colour) parts.push(line.colour);
    if (line.size && line.size !== 'One size') parts.push('size ' + line.size);
    parts.push('quantity ' + line.quantity);
    return parts.join(' · ');
  }

  function updateCartCount() {
    const count = getCart().reduce(function (n, l) { return n + l.quantity; }, 0);
    const el = byId('cart-count');
    if (el) {
      el.textContent = String(count);
      el.classList.toggle('is-empty', count === 0);
    }
  }

  function summaryLines(list, lines) {
    list.replaceChildren();
    lines.forEach(function (line) {
      const li = document.createElement('li');
      li.className = 'summary-line';
      const name = document.createElement('span');
      name.className = 'summary-name';
      name.textContent = line.name;
      const meta = document.createElement('small');
      meta.textContent = lineDescription(line);
      name.appendChild(document.createElement('br'));
      name.appendChild(meta);
      const amount = document.createElement('span');
      amount.textContent = eur(line.price * line.quantity);
      li.append(name, amount);
      list.appendChild(li);
    });
  }

  // --- product page ------------------------------------------------------------------------

  function stockMessage(variant) {
    if (!variant) return 'Please select a size.';
    if (variant.stock === 0) return 'Sold out online. An adviser can check our boutiques for you.';
    if (variant.stock <= 3) return 'Only ' + variant.stock + ' left.';
    return 'In stock, ready to ship.';
  }

  function initProduct() {
    const root = byId('product');
    if (!root) return;
    let variants = [];
    let images = {};
    try {
      variants = JSON.parse(root.dataset.variants || '[]');
      images = JSON.parse(root.dataset.images || '{}');
    } catch (err) {
      variants = [];
    }
    const product = {
      product_id: root.dataset.productId,
      name: root.dataset.name,
      price: Number(root.dataset.price),
    };
    const swatches = Array.from(root.querySelectorAll('.swatch'));
    const sizes = Array.from(root.querySelectorAll('.size'));
    const selectedSwatch = root.querySelector('.swatch.is-selected');
    const selectedSize = root.querySelector('.size.is-selected');
    const state = {
      colour: selectedSwatch ? selectedSwatch.dataset.colour : null,
      size: selectedSize ? selectedSize.dataset.size : null,
    };
    const addButton = byId('add-to-cart');
    const wishButton = byId('wishlist');
    const notice = byId('cart-notice');

    function find(colour, size) {
      return variants.find(function (v) { return v.colour === colour && v.size === size; }) || null;
    }

    function say(text, withLink) {
      if (!notice) return;
      notice.replaceChildren(document.createTextNode(text));
      if (withLink) {
        const link = document.createElement('a');
        link.href = '/shop/cart';
        link.textContent = 'View your bag';
        notice.append(' ', link);
      }
      notice.hidden = false;
    }

    function draw() {
      const variant = find(state.colour, state.size);
      swatches.forEach(function (button) {
        const on = button.dataset.colour === state.colour;
        button.classList.toggle('is-selected', on);
        button.setAttribute('aria-pressed', String(on));
      });
      sizes.forEach(function (button) {
        const on = button.dataset.size === state.size;
        const option = find(state.colour, button.dataset.size);
        button.classList.toggle('is-selected', on);
        button.classList.toggle('is-soldout', !option || option.stock === 0);
        button.setAttribute('aria-pressed', String(on));
      });
      setText('selected-colour', state.colour || '');
      setText('selected-size', state.size || 'select');
      setText('stock', stockMessage(variant));
      const stock = byId('stock');
      if (stock) stock.classList.toggle('stock--out', Boolean(variant && variant.stock === 0));
      setText('variant-id', variant ? variant.variant_id : product.product_id);
      const image = byId('product-image');
      const src = images[state.colour];
      if (image && typeof src === 'string' && src.indexOf('/shop/static/img/') === 0) {
        image.src = src;
        image.alt = product.name + ' in ' + state.colour;
      }
      if (addButton) {
        const soldOut = Boolean(variant && variant.stock === 0);
        addButton.textContent = soldOut ? 'Sold out online' : 'Add to bag';
        addButton.setAttribute('aria-disabled', String(soldOut));
        addButton.classList.toggle('is-disabled', soldOut);
      }
    }

    function select(attribute, value) {
      if (state[attribute] === value) return;
      state[attribute] = value;
      if (notice) notice.hidden = true;
      const group = byId('sizes');
      if (group) group.classList.remove('is-attention');
      draw();
      const fields = { product_id: product.product_id, attribute: attribute, value: value };
      const variant = find(state.colour, state.size);
      if (variant) fields.variant_id = variant.variant_id;
      track('variant_select', fields);
    }

    swatches.forEach(function (button) {
      button.addEventListener('click', function () { select('colour', button.dataset.colour); });
    });
    sizes.forEach(function (button) {
      button.addEventListener('click', function () { select('size', button.dataset.size); });
    });

    if (addButton) {
      addButton.addEventListener('click', function () {
        const variant = find(state.colour, state.size);
        if (!variant) {
          say('Please select a size.');
          const group = byId('sizes');
          if (group) group.classList.add('is-attention');
          return;
        }
        if (variant.stock === 0) {
          say('This one is sold out online. An adviser can check our boutiques for you.');
          return;
        }
        const quantityInput = byId('quantity');
        const wanted = Math.max(1, Math.min(99, parseInt(quantityInput ? quantityInput.value : '1', 10) || 1));
        const cart = getCart();
        let line = cart.find(function (l) { return l.variant_id === variant.variant_id; });
        const inCart = line ? line.quantity : 0;
        const quantity = Math.min(wanted, variant.stock - inCart, 99 - inCart);
        if (quantity < 1) {
          say('You already have all ' + variant.stock + ' we hold online in your bag.', true);
          return;
        }
        if (line) {
          line.quantity += quantity;
        } else {
          line = {
            product_id: product.product_id,
            variant_id: variant.variant_id,
            name: product.name,
            price: product.price,
            quantity: quantity,
            colour: variant.colour,
            size: variant.size,
          };
          cart.push(line);
        }
        setCart(cart);
        track('add_to_cart', eventFields(line, quantity));
        say(quantity < wanted ? 'Added ' + quantity + ', all we hold online.' : 'Added to your bag.', true);
      });
    }

    if (wishButton) {
      const drawWish = function () {
        const saved = getWishlist().some(function (i) { return i.product_id === product.product_id; });
        wishButton.textContent = saved ? 'In your wish list' : 'Add to wish list';
        wishButton.setAttribute('aria-pressed', String(saved));
      };
      wishButton.addEventListener('click', function () {
        const list = getWishlist();
        const index = list.findIndex(function (i) { return i.product_id === product.product_id; });
        if (index >= 0) {
          list.splice(index, 1);
        } else {
          list.push({ product_id: product.product_id, name: product.name });
          track('wishlist_add', { product_id: product.product_id, name: product.name });
        }
        save(local, WISHLIST_KEY, list);
        drawWish();
      });
      drawWish();
    }
    draw();
  }

  // --- search ------------------------------------------------------------------------------

  function initSearch() {
    const page = byId('search-page');
    const query = page ? (page.dataset.query || '').trim().slice(0, 200) : '';
    if (query) track('search', { query: query });
  }

  // --- cart page ---------------------------------------------------------------------------

  function initCart() {
    const list = byId('cart-lines');
    const template = byId('cart-line-template');
    if (!list || !template) return;

    function change(variantId, delta, removeAll) {
      const cart = getCart();
      const line = cart.find(function (l) { return l.variant_id === variantId; });
      if (!line) return;
      if (delta > 0) {
        if (line.quantity >= 99) return;
        line.quantity += 1;
        track('add_to_cart', eventFields(line, 1));
      } else {
        const removed = removeAll ? line.quantity : 1;
        line.quantity -= removed;
        track('remove_from_cart', eventFields(line, removed));
      }
      setCart(cart.filter(function (l) { return l.quantity > 0; }));
      draw();
    }

    function draw() {
      const cart = getCart();
      list.replaceChildren();
      cart.forEach(function (line) {
        const item = template.content.firstElementChild.cloneNode(true);
        item.dataset.variantId = line.variant_id;
        item.dataset.productId = line.product_id;
        const image = item.querySelector('.line-image');
        image.src = lineImage(line);
        image.alt = line.name;
        const name = item.querySelector('.line-name');
        name.textContent = line.name;
        name.href = '/shop/p/' + encodeURIComponent(line.product_id) +
          '?variant=' + encodeURIComponent(line.variant_id);
        item.querySelector('.line-meta').textContent = lineDescription(line);
        item.querySelector('.line-price').textContent = eur(line.price);
        item.querySelector('.qty-value').textContent = String(line.quantity);
        item.querySelector('.line-total').textContent = eur(line.price * line.quantity);
        item.querySelector('.qty-inc').addEventListener('click', function () {
          change(line.variant_id, 1, false);
        });
        item.querySelector('.qty-dec').addEventListener('click', function () {
          change(line.variant_id, -1, false);
        });
        item.querySelector('.remove-line').addEventListener('click', function () {
          change(line.variant_id, -1, true);
        });
        list.appendChild(item);
      });
      const empty = cart.length === 0;
      byId('cart-empty').hidden = !empty;
      byId('cart-summary').hidden = empty;
      setText('cart-subtotal', eur(cartTotals(cart).subtotal));
    }

    draw();
    window.addEventListener('storage', function (event) {
      if (event.key === CART_KEY) draw();
    });
  }

  // --- coupons ------------------------------------------------------------------------------

  /** Salon's origin and the site key, from the widget's own script tag. */
  function salonTag() {
    const tag = document.querySelector('script[data-site][src*="widget.js"]');
    if (!tag || !tag.dataset.site) return null;
    try {
      return { origin: new URL(tag.src, window.location.href).origin, siteKey: tag.dataset.site };
    } catch (err) {
      return null;
    }
  }

  /**
   * Ask Salon whether `code` takes something off `cartTotal`. Resolves to the answer
   * ({valid: true, code, discount, label, total_after} or {valid: false, reason, message}),
   * or to null when the check itself failed (network, server, an answer we do not understand).
   */
  function checkCoupon(code, cartTotal) {
    const salonSite = salonTag();
    if (!salonSite || !window.fetch) return Promise.resolve(null);
    const body = { site_key: salonSite.siteKey, code: code, cart_total: cartTotal };
    const visitor = salon('visitorId');
    if (typeof visitor === 'string' && /^[0-9a-f]{32}$/.test(visitor)) body.visitor_id = visitor;
    return window.fetch(salonSite.origin + '/api/coupons/check', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(body),
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
    }).then(function (response) {
      if (!response.ok) return null;
      return response.json().then(function (answer) {
        if (!answer || typeof answer !== 'object') return null;
        if (answer.valid === true) {
          const discount = Number(answer.discount);
          if (!Number.isFinite(discount) || discount < 0) return null;
          return {
            valid: true,
            code: COUPON_PATTERN.test(String(answer.code)) ? String(answer.code) : code,
            discount: Math.round(discount * 100) / 100,
            label: String(answer.label || '').slice(0, 80),
          };
        }
        if (answer.valid === false) {
          return {
            valid: false,
            reason: String(answer.reason || ''),
            message: String(answer.message || '').slice(0, 300),
          };
        }
        return null;
      }, function () { return null; });
    }, function () { return null; });
  }

  // --- checkout ----------------------------------------------------------------------------

  let checkoutTakesCoupons = false;   // this page's checkout applies codes from Salon itself

  function orderId() {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const bytes = new Uint8Array(10);
    window.crypto.getRandomValues(bytes);
    return 'MA-' + Array.from(bytes, function (b) { return alphabet[b % 32]; }).join('');
  }

  function initCheckout() {
    const root = byId('checkout');
    if (!root) return;
    const cart = getCart();
    if (cart.length === 0) {
      byId('checkout-empty').hidden = false;
      byId('checkout-body').hidden = true;
      byId('checkout-progress').hidden = true;
      return;
    }
    const form = byId('checkout-form');
    const sections = Array.from(root.querySelectorAll('.checkout-step'));
    const progress = Array.from(root.querySelectorAll('.progress-step'));
    const next = byId('checkout-next');
    const back = byId('checkout-back');
    const place = byId('place-order');
    const error = byId('checkout-error');
    checkoutTakesCoupons = true;
    const couponInput = byId('coupon-code');
    const couponButton = byId('coupon-apply');
    const couponResult = byId('coupon-result');
    let step = Math.max(1, Math.min(4, parseInt(root.dataset.step, 10) || 1));
    let coupon = null;          // {code, label, discount} once Salon accepted a code
    let couponCheck = 0;        // the latest check; an older answer arriving late is ignored

    function checked(name) {
      return form.querySelector('input[name="' + name + '"]:checked');
    }

    function shippingCost() {
      const choice = checked('shipping');
      return choice ? Number(choice.dataset.cost) || 0 : 0;
    }

    function totals() {
      const subtotal = cartTotals(cart).subtotal;
      const shipping = shippingCost();
      const discount = coupon ? Math.min(coupon.discount, subtotal) : 0;
      return {
        subtotal: subtotal,
        discount: discount,
        shipping: shipping,
        total: Math.round((subtotal - discount + shipping) * 100) / 100,
      };
    }

    function drawSummary() {
      const t = totals();
      summaryLines(byId('summary-lines'), cart);
      setText('summary-subtotal', eur(t.subtotal));
      byId('summary-discount-row').hidden = !coupon;
      setText('summary-discount-label', coupon ? 'Coupon ' + coupon.code : 'Coupon');
      setText('summary-discount', coupon ? '−' + eur(t.discount) : '');
      setText('summary-shipping', t.shipping ? eur(t.shipping) : 'Complimentary');
      setText('summary-total', eur(t.total));
    }

    function value(id) {
      const el = byId(id);
      return el ? el.value.trim() : '';
    }

    function drawReview() {
      const address = [value('checkout-name'), value('checkout-address'),
        [value('checkout-postcode'), value('checkout-city')].join(' ').trim(),
        value('checkout-country'), value('checkout-email')].filter(Boolean);
      const details = byId('review-details');
      details.replaceChildren();
      address.forEach(function (part, i) {
        if (i) details.appendChild(document.createElement('br'));
        details.appendChild(document.createTextNode(part));
      });
      const shipping = checked('shipping');
      const gift = byId('gift-wrap');
      setText('review-shipping', (shipping ? shipping.dataset.label : '') +
        (gift && gift.checked ? ', gift wrapped' : ''));
      const payment = checked('payment');
      setText('review-payment', payment ? payment.dataset.label : '');
    }

    function couponSays(state, text) {
      couponResult.dataset.state = state;
      couponResult.classList.toggle('is-refused', state === 'refused' || state === 'error');
      couponResult.textContent = text;
    }

    function applyCoupon(raw) {
      const code = String(raw || '').trim();
      couponInput.value = code;
      if (!code) {
        coupon = null;
        couponSays('refused', 'Please enter a coupon code.');
        drawSummary();
        return;
      }
      if (!COUPON_PATTERN.test(code)) {
        couponSays('refused', 'A coupon code has only letters, digits and dashes.');
        return;
      }
      const mine = ++couponCheck;
      couponButton.disabled = true;
      couponSays('checking', 'Checking the code…');
      checkCoupon(code, cartTotals(cart).subtotal).then(function (answer) {
        if (mine !== couponCheck) return;
        couponButton.disabled = false;
        if (!answer) {
          couponSays('error', 'We could not check the code just now. Please try again in a moment.');
          return;
        }
        if (!answer.valid) {
          coupon = null;
          drawSummary();
          couponSays('refused', answer.message || COUPON_REASONS[answer.reason] || 'This code cannot be used.');
          return;
        }
        coupon = { code: answer.code, label: answer.label, discount: answer.discount };
        drawSummary();
        const t = totals();
        couponSays('applied', 'Code ' + coupon.code + ' applied' + (coupon.label ? ' (' + coupon.label + ')' : '') +
          ': ' + eur(t.discount) + ' off. New total ' + eur(t.total) + '.');
      });
    }

    couponButton.addEventListener('click', function () { applyCoupon(couponInput.value); });
    couponInput.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') {
        event.preventDefault();
        applyCoupon(couponInput.value);
      }
    });
    // Salon's widget: the shopper pressed "Apply code" on an offer
    window.addEventListener('salon:coupon', function (event) {
      const detail = event.detail || {};
      if (!COUPON_PATTERN.test(String(detail.code))) return;
      event.preventDefault();
      applyCoupon(detail.code);
    });

    function valid(number) {
      const fields = sections[number - 1].querySelectorAll('input, select');
      for (const field of fields) {
        if (!field.checkValidity()) {
          field.reportValidity();
          if (error) {
            error.textContent = 'Please complete the highlighted field.';
            error.hidden = false;
          }
          return false;
        }
      }
      if (error) error.hidden = true;
      return true;
    }

    function show(number) {
      step = number;
      const name = STEP_NAMES[number - 1];
      sections.forEach(function (s) { s.hidden = Number(s.dataset.step) !== number; });
      progress.forEach(function (li) {
        const n = Number(li.dataset.step);
        li.classList.toggle('is-current', n === number);
        li.classList.toggle('is-done', n < number);
      });
      root.dataset.step = String(number);
      back.hidden = number === 1;
      next.hidden = number === 4;
      next.textContent = NEXT_LABELS[number - 1];
      place.hidden = number !== 4;
      if (number === 4) drawReview();
      try {
        window.history.replaceState(null, '', '/shop/checkout/' + name);
      } catch (err) {
        /* not important */
      }
      track('checkout_step', { step: number, name: name });
    }

    next.addEventListener('click', function () {
      if (step < 4 && valid(step)) show(step + 1);
    });
    back.addEventListener('click', function () {
      if (step > 1) show(step - 1);
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (step < 4 && valid(step)) show(step + 1);
    });
    form.addEventListener('change', drawSummary);
    byId('fill-demo').addEventListener('click', function () {
      const demo = {
        'checkout-name': 'Alex Morgan',
        'checkout-email': 'alex.morgan@example.com',
        'checkout-address': '12 rue du Faubourg Saint-Honoré',
        'checkout-city': 'Paris',
        'checkout-postcode': '75008',
      };
      Object.keys(demo).forEach(function (id) {
        const el = byId(id);
        if (el && !el.value) el.value = demo[id];
      });
      byId('checkout-country').value = 'France';
      if (error) error.hidden = true;
    });

    place.addEventListener('click', function () {
      if (!valid(1)) {
        show(1);
        return;
      }
      place.disabled = true;
      const id = orderId();
      const t = totals();
      save(session, ORDER_KEY, {
        order_id: id, lines: cart, shipping: t.shipping, total: t.total,
        coupon: coupon ? coupon.code : null, discount: t.discount,
      });
      const purchase = { order_id: id, total: t.total, currency: 'EUR' };
      if (coupon) {
        purchase.coupon = coupon.code;
        purchase.discount = t.discount;
      }
      track('purchase', purchase);
      if (session) session.removeItem(COUPON_KEY);
      setCart([]);
      flushThenGo('/shop/order/' + id);
    });

    drawSummary();
    show(step);
    const handedOver = load(session, COUPON_KEY);
    if (typeof handedOver === 'string' && COUPON_PATTERN.test(handedOver)) applyCoupon(handedOver);
  }

  /** A code from Salon's widget on a page without the checkout: kept for the checkout. */
  function keepCouponForCheckout() {
    window.addEventListener('salon:coupon', function (event) {
      const detail = event.detail || {};
      if (checkoutTakesCoupons || !COUPON_PATTERN.test(String(detail.code))) return;
      save(session, COUPON_KEY, String(detail.code));
      event.preventDefault();
    });
  }

  // --- confirmation and account ------------------------------------------------------------

  function initConfirmation() {
    const root = byId('confirmation');
    if (!root) return;
    const order = load(session, ORDER_KEY);
    const id = root.dataset.orderId;
    if (!id || !order || order.order_id !== id || !Array.isArray(order.lines)) return;
    const lines = order.lines.map(cleanLine).filter(Boolean);
    summaryLines(byId('order-lines'), lines);
    const shipping = Number(order.shipping) || 0;
    setText('order-shipping', shipping ? eur(shipping) : 'Complimentary');
    setText('order-total', eur(Number(order.total) || 0));
    const discount = Number(order.discount) || 0;
    if (discount > 0 && typeof order.coupon === 'string' && COUPON_PATTERN.test(order.coupon)) {
      setText('order-discount-label', 'Coupon ' + order.coupon);
      setText('order-discount', '−' + eur(discount));
      byId('order-discount-row').hidden = false;
    }
    byId('order-recap').hidden = false;
  }

  function initAccount() {
    const list = byId('wishlist-items');
    if (!list) return;
    const items = getWishlist();
    items.forEach(function (item) {
      const li = document.createElement('li');
      const link = document.createElement('a');
      link.href = '/shop/p/' + encodeURIComponent(item.product_id);
      link.textContent = item.name || item.product_id;
      li.appendChild(link);
      list.appendChild(li);
    });
    setText('wishlist-empty', items.length ? '' : 'Nothing saved yet.');
    byId('wishlist-empty').hidden = items.length > 0;
  }

  // --- start -------------------------------------------------------------------------------

  function start() {
    const body = document.body;
    if (body.dataset.customer && body.dataset.signature) {
      salon('identify', body.dataset.customer, body.dataset.signature);
    }
    updateCartCount();
    initProduct();
    initSearch();
    initCart();
    initCheckout();
    initConfirmation();
    initAccount();
    keepCouponForCheckout();
    window.addEventListener('storage', function (event) {
      if (event.key === CART_KEY) updateCartCount();
    });
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) updateCartCount();
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
