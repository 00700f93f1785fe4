/* tracker map, event list: chronological, virtualised (only the rows in view exist in the
   DOM), linked both ways with the map, keyboard-driven (arrows, PageUp/Down, Home/End, Enter). */
(function () {
  'use strict';
  var TM = window.TrackerMap;
  var ROWH = 58;

  TM.List = function (root, spacer, onPick) {
    this.root = root; this.spacer = spacer; this.onPick = onPick;
    this.pool = []; this.active = -1;  // active = event index with keyboard focus
    var self = this, pending = false;
    root.addEventListener('scroll', function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; self.render(); });
    });
    root.addEventListener('click', function (ev) {
      var row = ev.target.closest('.tm-row');
      if (row && row._idx !== undefined) { self.active = row._idx; self.onPick(row._idx); }
    });
    root.addEventListener('keydown', function (ev) { self.key(ev); });
  };

  TM.List.prototype.pos = function (idx) {
    var D = TM.D;
    for (var k = 0; k < D.nrows; k++) if (D.rows[k] === idx) return k;
    return -1;
  };

  TM.List.prototype.key = function (ev) {
    var D = TM.D, n = D.nrows;
    if (!n) return;
    var p = this.active >= 0 ? this.pos(this.active) : -1, page = Math.max(1, Math.floor(this.root.clientHeight / ROWH) - 1);
    var next = {ArrowDown: p + 1, ArrowUp: p - 1, PageDown: p + page, PageUp: p - page, Home: 0, End: n - 1}[ev.key];
    if (ev.key === 'Enter' || ev.key === ' ') {
      if (p >= 0) { ev.preventDefault(); this.onPick(this.active); }
      return;
    }
    if (next === undefined) return;
    ev.preventDefault();
    if (p < 0 && ev.key === 'ArrowUp') next = 0;
    next = Math.max(0, Math.min(n - 1, next));
    this.active = D.rows[next];
    this.scrollTo(next);
    this.render();
  };

  TM.List.prototype.scrollTo = function (k) {
    var top = k * ROWH, h = this.root.clientHeight, st = this.root.scrollTop;
    var head = this.spacer.offsetTop;
    if (top + head < st) this.root.scrollTop = top + head;
    else if (top + head + ROWH > st + h) this.root.scrollTop = top + head + ROWH - h;
  };

  TM.List.prototype.reveal = function (idx) {
    var k = this.pos(idx);
    if (k < 0) return;
    this.active = idx;
    this.root.scrollTop = Math.max(0, k * ROWH - this.root.clientHeight / 2);
    this.render();
  };

  TM.List.prototype.render = function () {
    var D = TM.D, n = D.nrows;
    this.spacer.style.height = (n * ROWH) + 'px';
    var st = Math.max(0, this.root.scrollTop - this.spacer.offsetTop), h = this.root.clientHeight || 600;
    var first = Math.max(0, Math.floor(st / ROWH) - 2), last = Math.min(n, Math.ceil((st + h) / ROWH) + 2);
    var need = last - first, k;
    while (this.pool.length < need) {
      var row = TM.el('div', 'tm-row');
      row.setAttribute('role', 'option');
      this.spacer.appendChild(row); this.pool.push(row);
    }
    var activeId = '';
    for (k = 0; k < this.pool.length; k++) {
      var r = this.pool[k];
      if (k >= need) { r.hidden = true; r._idx = undefined; continue; }
      var pos = first + k, idx = D.rows[pos];
      r.hidden = false;
      if (r._idx !== idx) { this.fill(r, idx); r._idx = idx; }
      r.style.transform = 'translateY(' + (pos * ROWH) + 'px)';
      r.id = 'tm-row-' + pos;
      var sel = idx === TM.S.sel, act = idx === this.active;
      r.classList.toggle('tm-selected', sel); r.classList.toggle('tm-active', act);
      r.setAttribute('aria-selected', sel ? 'true' : 'false');
      if (act) activeId = r.id;
    }
    if (activeId) this.root.setAttribute('aria-activedescendant', activeId);
    else this.root.removeAttribute('aria-activedescendant');
  };

  /* One row: dates, status dot, place (or "no place"), actor, count, reports/outlets. */
  TM.List.prototype.fill = function (row, i) {
    var D = TM.D, P = D.P, el = TM.el;
    row.textContent = '';
    row.setAttribute('data-id', P.id[i]);
    var top = el('div', 'tm-row-top');
    var dot = el('span', 'tm-dot' + (D.rv[i] === 0 ? ' tm-dot-pending' : ''));
    dot.style.setProperty('--c', TM.STATUS_COLORS[D.st[i]]);
    top.appendChild(dot);
    top.appendChild(el('span', 'tm-row-date', TM.dateLabel(i)));
    top.appendChild(el('span', 'tm-row-status', P.statuses[D.st[i]] + (D.rv[i] === 0 ? ' · pending review' : (D.rv[i] === 2 ? ' · rejected' : ''))));
    row.appendChild(top);
    var place = D.str('pl', i) || '(no place)';
    row.appendChild(el('div', 'tm-row-place' + (D.g[i] === TM.G_NONE ? ' tm-noplace' : ''),
      place + ' — ' + D.str('ty', i).replace(/_/g, ' ')));
    var bits = [D.str('ac', i), TM.countLabel(i), D.str('cb', i) ? 'claimed by ' + D.str('cb', i) : ''];
    var g = D.grp[i];
    if (g >= 0) bits.push(TM.groupLabel(g));
    row.appendChild(el('div', 'tm-row-meta', bits.filter(Boolean).join(' · ')));
  };

  TM.dateLabel = function (i) {
    var D = TM.D;
    if (D.t0[i] < 0) return 'undated';
    var a = D.dayToIso(D.t0[i]), b = D.dayToIso(D.t1[i]);
    return a === b ? a : a + ' – ' + b;
  };

  var QUAL = {about: 'about ', up_to: 'up to ', at_least: 'at least ', more_than: 'more than ', exactly: ''};
  TM.countLabel = function (i) {
    var D = TM.D, P = D.P, c = TM.num(P.cnt[i]), lo = TM.num(P.clo[i]), hi = TM.num(P.chi[i]), q = D.str('q', i), unit = D.str('cu', i);
    var s = '';
    if (c !== null) s = TM.fmtNum(c);
    else if (lo !== null && hi !== null) s = TM.fmtNum(lo) + '–' + TM.fmtNum(hi);
    else if (lo !== null) s = TM.fmtNum(lo) + '+';
    else if (hi !== null) s = '≤ ' + TM.fmtNum(hi);
    if (!s) return '';
    return (QUAL[q] !== undefined ? QUAL[q] : (q ? q + ' ' : '')) + s + (unit ? ' ' + unit : '');
  };

  TM.groupLabel = function (g) {
    var D = TM.D, m = D.members[g] || [], reps = {}, outs = {};
    m.forEach(function (j) {
      var r = D.P.rep[j]; reps[r >= 0 ? 'r' + r : 'e' + j] = 1;
      var o = D.str('src', j) || (r >= 0 ? D.P.reports[r][2] : '') || ''; if (o) outs[o.toLowerCase()] = 1;
    });
    var nr = Object.keys(reps).length, no = Object.keys(outs).length;
    return nr + (nr === 1 ? ' report' : ' reports') + ' / ' + no + (no === 1 ? ' outlet' : ' outlets');
  };
})();
