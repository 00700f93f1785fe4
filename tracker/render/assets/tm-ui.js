/* tracker map, controls: time window (range sliders, play, speed, timeline strip), filters,
   search, legend, event card and downloads. Every text from the data goes in with
   textContent; links are made only for http(s) URLs. */
(function () {
  'use strict';
  var TM = window.TrackerMap, $ = function (id) { return document.getElementById(id); }, el = TM.el;

  function option(sel, value, label) {
    var o = el('option', null, label); o.value = String(value); sel.appendChild(o);
  }

  function sortedDict(D, key, codes) {
    var used = {}, vals = D.P.dicts[key];
    for (var i = 0; i < D.n; i++) if (codes[i] >= 0) used[codes[i]] = 1;
    return Object.keys(used).map(Number).sort(function (a, b) {
      return vals[a].localeCompare(vals[b]);
    }).map(function (k) { return [k, vals[k]]; });
  }

  TM.buildFilters = function () {
    var D = TM.D, P = D.P;
    if (window.innerWidth < 760) document.querySelector('.tm-filters').open = false;  // phones: folded
    [['tm-f-status', P.statuses, 'st'], ['tm-f-review', P.reviews, 'rv']].forEach(function (f) {
      var box = $(f[0]);
      f[1].forEach(function (name, k) {
        var lab = el('label', 'tm-check'), cb = el('input');
        cb.type = 'checkbox'; cb.value = name; cb.setAttribute('data-k', k);
        if (f[2] === 'st') {
          var sw = el('span', 'tm-dot'); sw.style.setProperty('--c', TM.STATUS_COLORS[k]); lab.appendChild(sw);
        }
        cb.addEventListener('change', function () { TM.S[f[2]][k] = cb.checked ? 1 : 0; TM.refresh(true); });
        lab.insertBefore(cb, lab.firstChild); lab.appendChild(document.createTextNode(' ' + name));
        box.appendChild(lab);
      });
    });
    [['tm-f-type', 'ty', 'All event types'], ['tm-f-actor', 'ac', 'All actors'],
      ['tm-f-claimed', 'cb', 'All claimants'], ['tm-f-source', 'src', 'All sources']].forEach(function (f) {
      var sel = $(f[0]);
      option(sel, -1, f[2]);
      sortedDict(D, f[1], D[f[1]]).forEach(function (kv) { option(sel, kv[0], kv[1].replace(/_/g, f[1] === 'ty' ? ' ' : '_')); });
      sel.addEventListener('change', function () { TM.S[f[1]] = +sel.value; TM.refresh(true); });
    });
    var timer = null;
    $('tm-search').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { TM.S.q = $('tm-search').value; TM.refresh(true); }, 150);
    });
    $('tm-reset').addEventListener('click', function () { TM.resetFilters(); TM.syncControls(); TM.refresh(true); });
    $('tm-csv').addEventListener('click', function () { TM.download('csv'); });
    $('tm-geojson').addEventListener('click', function () { TM.download('geojson'); });
    $('tm-card-close').addEventListener('click', function () { TM.select(-1, {}); });
  };

  /* Put the controls in line with TM.S (after a permalink or a reset). */
  TM.syncControls = function () {
    var S = TM.S;
    document.querySelectorAll('#tm-f-status input').forEach(function (cb) { cb.checked = !!S.st[+cb.getAttribute('data-k')]; });
    document.querySelectorAll('#tm-f-review input').forEach(function (cb) { cb.checked = !!S.rv[+cb.getAttribute('data-k')]; });
    $('tm-f-type').value = String(S.ty); $('tm-f-actor').value = String(S.ac);
    $('tm-f-claimed').value = String(S.cb); $('tm-f-source').value = String(S.src);
    $('tm-search').value = S.q;
  };

  /* ---- time window ---- */
  TM.buildTime = function () {
    var D = TM.D, from = $('tm-from'), to = $('tm-to');
    from.max = to.max = String(D.days);
    var set = function () {
      var a = +from.value, b = +to.value;
      if (this === from && a > b) b = a;
      if (this === to && b < a) a = b;
      TM.setWindow(a, b);
    };
    from.addEventListener('input', set); to.addEventListener('input', set);
    $('tm-all').addEventListener('click', function () { TM.stop(); TM.setWindow(0, D.days); });
    $('tm-play').addEventListener('click', function () { if (TM.timer) TM.stop(); else TM.play(); });
    TM.buildStrip();
  };

  TM.setWindow = function (a, b) {
    var d = TM.D.days;
    TM.S.a = Math.max(0, Math.min(d, Math.round(a))); TM.S.b = Math.max(TM.S.a, Math.min(d, Math.round(b)));
    TM.refresh(false);
  };

  /* One play step: move the window forward by the chosen speed, wrapping at the end. */
  TM.step = function (dir) {
    var S = TM.S, d = TM.D.days, w = S.b - S.a, by = (+$('tm-speed').value || 1) * (dir || 1);
    var a = S.a + by;
    if (a + w > d) a = 0;
    if (a < 0) a = Math.max(0, d - w);
    TM.setWindow(a, a + w);
  };

  TM.play = function () {
    var S = TM.S;
    if (S.a === 0 && S.b === TM.D.days && TM.D.days > 30) TM.setWindow(0, 29);
    TM.timer = setInterval(function () { TM.step(1); }, 400);
    $('tm-play').textContent = '❚❚ Pause'; $('tm-play').setAttribute('aria-pressed', 'true');
  };
  TM.stop = function () {
    if (TM.timer) clearInterval(TM.timer);
    TM.timer = null;
    $('tm-play').textContent = '▶ Play'; $('tm-play').setAttribute('aria-pressed', 'false');
  };

  TM.buildStrip = function () {
    var c = $('tm-strip'), drag = null;
    var dayAt = function (ev) {
      var r = c.getBoundingClientRect(), f = Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width));
      return Math.round(f * TM.D.days);
    };
    c.addEventListener('pointerdown', function (ev) {
      drag = dayAt(ev); c.setPointerCapture(ev.pointerId); TM.stop(); TM.setWindow(drag, drag);
    });
    c.addEventListener('pointermove', function (ev) {
      if (drag === null) return;
      var d = dayAt(ev); TM.setWindow(Math.min(drag, d), Math.max(drag, d));
    });
    var end = function () { drag = null; };
    c.addEventListener('pointerup', end); c.addEventListener('pointercancel', end);
    window.addEventListener('resize', function () { TM.drawStrip(); });
  };

  /* Counts per day (or week / month when the span is long) of events passing the filters. */
  TM.computeStrip = function () {
    var D = TM.D, c = $('tm-strip'), w = Math.max(100, c.clientWidth || 600), unit = 1;
    if ((D.days + 1) > w / 3) unit = 7;
    if ((D.days + 1) / 7 > w / 3) unit = 30;
    var nb = Math.floor(D.days / unit) + 1, diff = new Int32Array(nb + 1);
    for (var i = 0; i < D.n; i++) {
      if (!D.fmask[i] || D.t0[i] < 0) continue;
      diff[Math.floor(D.t0[i] / unit)]++; diff[Math.floor(D.t1[i] / unit) + 1]--;
    }
    var counts = new Int32Array(nb), run = 0, max = 0;
    for (var b = 0; b < nb; b++) { run += diff[b]; counts[b] = run; if (run > max) max = run; }
    TM.strip = {unit: unit, counts: counts, max: max};
    $('tm-strip-unit').textContent = 'events per ' + (unit === 1 ? 'day' : unit === 7 ? 'week' : '30 days') + ' (max ' + max + ')';
  };

  TM.drawStrip = function () {
    var c = $('tm-strip'), dpr = window.devicePixelRatio || 1, w = c.clientWidth || 600, h = 56;
    if (!TM.strip) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
    var ctx = c.getContext('2d'), st = TM.strip, nb = st.counts.length, bw = w / nb, S = TM.S, d = TM.D.days || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, w, h);
    var xa = S.a / (d + 1) * w, xb = (S.b + 1) / (d + 1) * w;
    ctx.fillStyle = 'rgba(30,90,200,0.12)'; ctx.fillRect(xa, 0, Math.max(2, xb - xa), h);
    for (var b = 0; b < nb; b++) {
      if (!st.counts[b]) continue;
      var bh = Math.max(1, st.counts[b] / st.max * (h - 6)), inWin = (b + 1) * st.unit > S.a && b * st.unit <= S.b;
      ctx.fillStyle = inWin ? '#1e5ac8' : '#9aa5b1';
      ctx.fillRect(b * bw, h - bh, Math.max(1, bw - (bw > 3 ? 1 : 0)), bh);
    }
  };

  /* ---- legend ---- */
  TM.addLegend = function (map) {
    var Legend = L.Control.extend({
      options: {position: 'bottomright'},
      onAdd: function () {
        var box = el('details', 'tm-legend leaflet-control'), sum = el('summary', null, 'Legend');
        box.open = map.getSize().y >= 700 && map.getSize().x >= 700; box.appendChild(sum);
        TM.D.P.statuses.forEach(function (s, k) {
          var row = el('div'), sw = el('span', 'tm-dot'); sw.style.setProperty('--c', TM.STATUS_COLORS[k]);
          row.appendChild(sw); row.appendChild(document.createTextNode(' ' + s)); box.appendChild(row);
        });
        [['tm-lg-pending', 'pending review (dashed ring)'], ['tm-lg-area', 'known only to a region/country: its outline'],
          ['tm-lg-approx', 'region/country without outline: approximate ring'], ['tm-lg-related', 'related place (own layer, off by default)'],
          ['tm-lg-arrow', 'movement: origin → destination'], ['tm-lg-track', 'track of one actor in time order'],
          ['tm-lg-size', 'size: troop count']].forEach(function (r) {
          var row = el('div'); row.appendChild(el('span', 'tm-lg ' + r[0])); row.appendChild(document.createTextNode(' ' + r[1]));
          box.appendChild(row);
        });
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);
  };

  /* ---- card ---- */
  function row(dl, label, value, cls) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(el('dt', null, label));
    var dd = el('dd', cls);
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }

  function link(url, text) {
    var safe = TM.safeUrl(url);
    if (!safe) return el('span', 'tm-unsafe-link', url ? url + ' (not an http/https link)' : text);
    var a = el('a', null, text || safe);
    a.href = safe; a.target = '_blank'; a.rel = 'noopener noreferrer nofollow';
    return a;
  }

  function source(i) {
    var D = TM.D, P = D.P, r = P.rep[i] >= 0 ? P.reports[P.rep[i]] : null;
    var pub = D.str('src', i) || (r && r[2]) || '', date = D.str('pub', i) || (r && r[4]) || '';
    var url = P.url[i] || (r && r[3]) || '', wrap = el('span');
    wrap.appendChild(document.createTextNode([pub, date].filter(Boolean).join(', ')));
    if (r && r[1]) wrap.appendChild(el('span', 'tm-report-title', ' “' + r[1] + '”'));
    if (url) { wrap.appendChild(document.createTextNode(' ')); wrap.appendChild(link(url)); }
    return wrap;
  }

  TM.showCard = function (i) {
    var D = TM.D, P = D.P, body = $('tm-card-body'), card = $('tm-card');
    body.textContent = '';
    card.setAttribute('data-id', P.id[i]);
    body.appendChild(el('h2', null, (D.str('pl', i) || '(no place)') + ' — ' + D.str('ty', i).replace(/_/g, ' ')));
    var dl = el('dl');
    var gp = D.str('gp', i), role = P.roles[D.ro[i]];
    row(dl, 'Place', [D.str('pl', i) || 'no place', gp ? '(' + gp.replace(/_/g, ' ') + ')' : '',
      role !== 'location' ? 'role: ' + role : ''].filter(Boolean).join(' '));
    row(dl, 'Dates', TM.dateLabel(i) + ' (' + P.precisions[P.dp[i]] + ')' + (D.str('dt', i) ? ' — “' + D.str('dt', i) + '”' : ''));
    row(dl, 'Count', TM.countLabel(i));
    row(dl, 'Actor', D.str('ac', i));
    row(dl, 'Unit', D.str('un', i));
    row(dl, 'Claimed by', D.str('cb', i));
    row(dl, 'Status', P.statuses[D.st[i]] + ' · review: ' + P.reviews[D.rv[i]]);
    var src = el('span', null, '…');
    row(dl, 'Source', src);
    body.appendChild(dl);
    var quote = el('blockquote', 'tm-evidence');
    quote.hidden = true;
    body.appendChild(quote);
    var g = D.grp[i];
    if (g >= 0) {
      var m = D.members[g];
      body.appendChild(el('h3', null, 'Linked reports: ' + TM.groupLabel(g)));
      var ul = el('ul', 'tm-linked');
      m.forEach(function (j) {
        var li = el('li');
        var who = D.str('cb', j) || D.str('src', j) || 'unattributed';
        li.appendChild(el('strong', null, who + ': ' + (TM.countLabel(j) || 'no figure')));
        li.appendChild(document.createTextNode(' · ' + P.statuses[D.st[j]] + ' · ' + TM.dateLabel(j) + ' · '));
        var s = el('span'); s.setAttribute('data-src', j); li.appendChild(s);
        if (j === i) li.className = 'tm-this';
        ul.appendChild(li);
      });
      body.appendChild(ul);
    }
    card.hidden = false;
    card.setAttribute('data-loading', '1');
    TM.text().then(function () {
      if (card.getAttribute('data-id') !== P.id[i]) return;  // another card opened meanwhile
      src.replaceWith(source(i));
      if (P.ev[i]) { quote.textContent = P.ev[i]; quote.hidden = false; }
      body.querySelectorAll('[data-src]').forEach(function (s) { s.replaceWith(source(+s.getAttribute('data-src'))); });
      card.removeAttribute('data-loading');
    });
  };

  /* ---- downloads of the filtered events (window + filters + search) ---- */
  var COLS = ['id', 'event_type', 'date_start', 'date_end', 'date_precision', 'date_text', 'place_name',
    'place_id', 'geo_precision', 'role', 'lon', 'lat', 'actor', 'unit', 'count', 'count_low', 'count_high',
    'count_qualifier', 'count_unit', 'claimed_by', 'status', 'review_state', 'report_id', 'source_publisher',
    'source_url', 'source_published', 'evidence'];

  function record(i) {
    var D = TM.D, P = D.P, ll = D.latlng(i), r = P.rep[i] >= 0 ? P.reports[P.rep[i]] : null;
    return {id: P.id[i], event_type: D.str('ty', i), date_start: D.t0[i] < 0 ? '' : D.dayToIso(D.t0[i]),
      date_end: D.t1[i] < 0 ? '' : D.dayToIso(D.t1[i]), date_precision: P.precisions[P.dp[i]],
      date_text: D.str('dt', i), place_name: D.str('pl', i), place_id: D.str('pid', i), geo_precision: D.str('gp', i),
      role: P.roles[D.ro[i]], lon: ll ? ll[1] : null, lat: ll ? ll[0] : null, actor: D.str('ac', i),
      unit: D.str('un', i), count: TM.num(P.cnt[i]), count_low: TM.num(P.clo[i]), count_high: TM.num(P.chi[i]),
      count_qualifier: D.str('q', i), count_unit: D.str('cu', i), claimed_by: D.str('cb', i),
      status: P.statuses[D.st[i]], review_state: P.reviews[D.rv[i]], report_id: r ? r[0] : '',
      source_publisher: D.str('src', i), source_url: P.url[i] || '', source_published: D.str('pub', i),
      evidence: P.ev[i] || ''};
  }

  function csvCell(v) {
    var s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = "'" + s;  // no spreadsheet formulas
    return '"' + s.replace(/"/g, '""') + '"';
  }

  TM.exportText = function (kind) {
    var D = TM.D, out = [], k, i;
    if (kind === 'csv') {
      out.push(COLS.join(','));
      for (k = 0; k < D.nrows; k++) {
        var rec = record(D.rows[k]);
        out.push(COLS.map(function (c) { return csvCell(rec[c]); }).join(','));
      }
      return out.join('\r\n') + '\r\n';
    }
    var feats = [];
    for (k = 0; k < D.nrows; k++) {
      i = D.rows[k];
      var p = record(i), geom = null;
      if (D.g[i] === TM.G_AREA) geom = D.outlines[D.ol[i]].geom;
      else if (p.lon !== null) geom = {type: 'Point', coordinates: [p.lon, p.lat]};
      feats.push({type: 'Feature', id: p.id, geometry: geom, properties: p});
    }
    return JSON.stringify({type: 'FeatureCollection', features: feats});
  };

  TM.download = function (kind) {
    TM.text().then(function () { save(kind); });
  };

  function save(kind) {
    var text = TM.exportText(kind), type = kind === 'csv' ? 'text/csv' : 'application/geo+json';
    var a = el('a'), url = URL.createObjectURL(new Blob([text], {type: type + ';charset=utf-8'}));
    a.href = url; a.download = TM.opts.slug + '-events.' + kind;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }
})();
