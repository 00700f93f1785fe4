/* tracker map, state: defaults, permalink (URL fragment: window, filters, selected event,
   view), the refresh cycle, selection, and TrackerMap.start(). */
(function () {
  'use strict';
  var TM = window.TrackerMap, $ = function (id) { return document.getElementById(id); };

  TM.resetFilters = function () {
    var S = TM.S, P = TM.D.P;
    S.st = P.statuses.map(function () { return 1; });
    S.rv = P.reviews.map(function (r) { return r === 'rejected' ? 0 : 1; });
    S.ty = S.ac = S.cb = S.src = -1; S.q = '';
  };

  function dictIndex(key, name) { return name ? TM.D.P.dicts[key].indexOf(name) : -1; }

  /* URL fragment -> state. Unknown values are ignored (a stale link still opens). */
  TM.readHash = function () {
    var S = TM.S, D = TM.D, P = D.P, h = new URLSearchParams(location.hash.replace(/^#/, ''));
    var w = (h.get('w') || '').split('..');
    if (w.length === 2) {
      var a = D.isoToDay(w[0]), b = D.isoToDay(w[1]);
      if (a !== null && b !== null) { S.a = Math.max(0, Math.min(D.days, a)); S.b = Math.max(S.a, Math.min(D.days, b)); }
    }
    [['st', P.statuses], ['rv', P.reviews]].forEach(function (f) {
      if (!h.has(f[0])) return;
      var on = h.get(f[0]).split(',');
      S[f[0]] = f[1].map(function (name) { return on.indexOf(name) >= 0 ? 1 : 0; });
    });
    [['ty', 'ty'], ['ac', 'ac'], ['cb', 'cb'], ['so', 'src']].forEach(function (f) {
      if (h.has(f[0])) S[f[1]] = dictIndex(f[1], h.get(f[0]));
    });
    S.q = h.get('q') || '';
    var v = (h.get('v') || '').split(',').map(Number);
    S.view = v.length === 3 && v.every(isFinite) ? v : null;
    S.selId = h.get('e') || '';
  };

  TM.writeHash = function () {
    var S = TM.S, D = TM.D, P = D.P, h = new URLSearchParams(), map = TM.map;
    h.set('w', D.dayToIso(S.a) + '..' + D.dayToIso(S.b));
    [['st', P.statuses], ['rv', P.reviews]].forEach(function (f) {
      h.set(f[0], f[1].filter(function (n, k) { return S[f[0]][k]; }).join(','));
    });
    [['ty', 'ty'], ['ac', 'ac'], ['cb', 'cb'], ['so', 'src']].forEach(function (f) {
      if (S[f[1]] >= 0) h.set(f[0], P.dicts[f[1]][S[f[1]]]);
    });
    if (S.q) h.set('q', S.q);
    if (S.sel >= 0) h.set('e', P.id[S.sel]);
    var c = map.getCenter();
    h.set('v', c.lat.toFixed(4) + ',' + c.lng.toFixed(4) + ',' + map.getZoom());
    TM.lastHash = '#' + h.toString();
    history.replaceState(null, '', TM.lastHash);
  };

  TM.scheduleHash = function () {
    if (TM.hashTimer) return;
    TM.hashTimer = setTimeout(function () { TM.hashTimer = null; TM.writeHash(); }, 200);
  };

  TM.layers = [];
  TM.redrawLayers = function () { TM.layers.forEach(function (l) { l.redraw(); }); };

  /* The refresh cycle: filters (when changed) -> window -> layers, list, strip, labels, URL. */
  TM.refresh = function (maskChanged) {
    var D = TM.D, S = TM.S;
    if (maskChanged) { D.computeMask(S); TM.computeStrip(); }
    D.applyWindow(S.a, S.b);
    TM.redrawLayers();
    TM.list.render();
    $('tm-from').value = String(S.a); $('tm-to').value = String(S.b);
    $('tm-window').textContent = D.dayToIso(S.a) + ' – ' + D.dayToIso(S.b);
    $('tm-count').textContent = D.nrows.toLocaleString('en-US') + ' of ' + D.n.toLocaleString('en-US') + ' events';
    TM.drawStrip();
    TM.scheduleHash();
  };

  /* Select an event: highlight it on the map and in the list; opts.card opens its card,
     opts.fly moves the map to it (its area for region-level events). */
  TM.select = function (i, opts) {
    var D = TM.D;
    TM.S.sel = i;
    if (i < 0) { $('tm-card').hidden = true; } else {
      if (opts.card) TM.showCard(i);
      if (opts.fly) fly(i);
      if (opts.reveal) TM.list.reveal(i);
    }
    TM.redrawLayers(); TM.list.render(); TM.scheduleHash();
    return D;
  };

  function fly(i) {
    var D = TM.D, map = TM.map;
    if (D.g[i] === TM.G_AREA) {
      var b = D.outlines[D.ol[i]].bbox, k = 256;
      map.flyToBounds(L.latLngBounds(map.unproject([b[0] * k, b[1] * k], 0), map.unproject([b[2] * k, b[3] * k], 0)), {duration: 0.6});
    } else if (D.g[i] !== TM.G_NONE) {
      map.flyTo(D.latlng(i), Math.max(map.getZoom(), D.g[i] === TM.G_APPROX ? 5 : 7), {duration: 0.6});
    }
  }

  function fitAll() {
    var b = TM.D.bbox, map = TM.map, k = 256;
    if (!b) return;
    var sw = map.unproject([b[0] * k, b[3] * k], 0), ne = map.unproject([b[2] * k, b[1] * k], 0);
    map.fitBounds(L.latLngBounds(sw, ne).pad(0.15), {maxZoom: 8, animate: false});
  }

  function init(map, control, P, opts) {
    var D = TM.D = new TM.Data(P);
    TM.map = map; TM.opts = opts;
    TM.S = {a: 0, b: D.days, sel: -1, view: null, selId: ''};
    TM.resetFilters();
    TM.readHash();
    TM.buildFilters(); TM.buildTime(); TM.syncControls();
    TM.list = new TM.List($('tm-list'), $('tm-list-spacer'), function (i) {
      TM.select(i, {card: true, fly: true});
    });
    var main = new TM.CanvasLayer('events', TM.drawEvents(false));
    var related = new TM.CanvasLayer('related', TM.drawEvents(true));
    var moves = new TM.CanvasLayer('moves', TM.drawMoves);
    var tracks = new TM.CanvasLayer('tracks', TM.drawTracks);
    map.createPane('tm-basemap').style.zIndex = 250;  // above tiles, below every overlay
    var bg = new TM.CanvasLayer('background', TM.drawBackground, 'tm-basemap');
    TM.layers = [bg, tracks, moves, main, related];
    if (D.bg.length && opts.tiles === 'none') bg.addTo(map);
    tracks.addTo(map); moves.addTo(map); main.addTo(map);
    if (D.bg.length) control.addOverlay(bg, 'Country outlines (basemap)');
    control.addOverlay(main, 'Events');
    control.addOverlay(related, 'Related places (off by default)');
    control.addOverlay(moves, 'Movement arrows');
    control.addOverlay(tracks, 'Actor tracks');
    TM.addLegend(map);
    map.attributionControl.addAttribution(
      'Places: <a href="https://www.geonames.org/" target="_blank" rel="noopener">GeoNames</a> (CC BY 4.0)');
    if (TM.S.view) map.setView([TM.S.view[0], TM.S.view[1]], TM.S.view[2], {animate: false}); else fitAll();
    map.on('click', function (ev) {
      var i = TM.hitTest(ev.containerPoint, map.hasLayer(related));
      if (i >= 0) TM.select(i, {card: true, reveal: true});
    });
    map.on('moveend', TM.scheduleHash);
    window.addEventListener('beforeprint', function () { map.invalidateSize({animate: false}); TM.drawStrip(); });
    window.addEventListener('afterprint', function () { map.invalidateSize({animate: false}); TM.drawStrip(); });
    window.addEventListener('hashchange', function () {
      if (location.hash === TM.lastHash) return;
      TM.readHash(); TM.syncControls(); TM.refresh(true);
      var j = TM.S.selId ? D.indexOfId(TM.S.selId) : -1;
      TM.select(j, {card: true, reveal: true});
      if (TM.S.view) map.setView([TM.S.view[0], TM.S.view[1]], TM.S.view[2]);
    });
    TM.refresh(true);
    var sel = TM.S.selId ? D.indexOfId(TM.S.selId) : -1;
    if (sel >= 0) TM.select(sel, {card: true, reveal: true, fly: !TM.S.view});
    performance.mark('tm-ready');
    document.body.setAttribute('data-ready', '1');
  }

  /* The long text columns (evidence, source URLs) arrive in their own blob, decoded on
     first need (a card, a download) so a large map becomes interactive sooner. */
  TM.text = function () {
    if (!TM._text) {
      TM._text = TM.decode(TM._textB64).then(function (T) {
        TM.D.P.ev = T.ev; TM.D.P.url = T.url; TM._textB64 = null; return TM.D.P;
      });
    }
    return TM._text;
  };

  TM.start = function (map, control, b64, textB64, opts) {
    TM._textB64 = textB64;
    $('tm-title').textContent = opts.title;
    if (opts.tiles === 'none') document.body.classList.add('tm-no-tiles');
    TM.ready = TM.decode(b64, true).then(function (P) { init(map, control, P, opts); return TM; }, function (err) {
      var m = $('tm-msg');
      m.hidden = false;
      m.textContent = 'This map needs a current browser (Chrome/Edge 80+, Firefox 113+, Safari 16.4+): ' + err;
      throw err;
    });
  };
})();
