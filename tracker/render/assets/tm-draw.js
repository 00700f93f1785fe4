/* tracker map, drawing: canvas layers for events, related places, movements and tracks,
   plus the click hit-test. One <canvas> per layer; per redraw only visible rows are drawn. */
(function () {
  'use strict';
  var TM = window.TrackerMap;

  TM.CanvasLayer = L.Layer.extend({
    initialize: function (name, drawFn, pane) {
      this._tmName = name; this._drawFn = drawFn;
      if (pane) L.setOptions(this, {pane: pane});
    },
    onAdd: function (map) {
      this._c = L.DomUtil.create('canvas', 'tm-canvas leaflet-zoom-hide');
      this._c.setAttribute('data-layer', this._tmName);
      this.getPane().appendChild(this._c);
      map.on('moveend resize viewreset', this._reset, this);
      this._reset();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._c);
      map.off('moveend resize viewreset', this._reset, this);
    },
    _reset: function () {
      var map = this._map, size = map.getSize(), dpr = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(this._c, map.containerPointToLayerPoint([0, 0]));
      this._c.width = Math.round(size.x * dpr); this._c.height = Math.round(size.y * dpr);
      this._c.style.width = size.x + 'px'; this._c.style.height = size.y + 'px';
      this.redraw();
    },
    redraw: function () {
      if (!this._map || !TM.D) return;
      var map = this._map, ctx = this._c.getContext('2d'), dpr = window.devicePixelRatio || 1;
      var size = map.getSize(), o = map.containerPointToLayerPoint([0, 0]).add(map.getPixelOrigin());
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this._c.width, this._c.height);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this._drawFn(ctx, {s: 256 * Math.pow(2, map.getZoom()), ox: o.x, oy: o.y, w: size.x, h: size.y});
    }
  });

  function alpha(hex, a) {
    var v = parseInt(hex.slice(1), 16);
    return 'rgba(' + (v >> 16) + ',' + ((v >> 8) & 255) + ',' + (v & 255) + ',' + a + ')';
  }

  function outlinePath(o, f) {
    var p = new Path2D();
    o.rings.forEach(function (r) {
      for (var k = 0; k < r.length; k += 2) {
        var x = r[k] * f.s - f.ox, y = r[k + 1] * f.s - f.oy;
        if (k === 0) p.moveTo(x, y); else p.lineTo(x, y);
      }
      p.closePath();
    });
    return p;
  }

  function onScreen(b, f) {
    return !(b[2] * f.s - f.ox < 0 || b[0] * f.s - f.ox > f.w || b[3] * f.s - f.oy < 0 || b[1] * f.s - f.oy > f.h);
  }

  /* Pre-rendered marker sprites (one per style and radius): drawImage is far cheaper than
     stroking and filling thousands of arcs. */
  var sprites = {};
  function sprite(key, r, related) {
    var id = key + r + (related ? 'q' : 'c');
    if (sprites[id]) return sprites[id];
    var dpr = window.devicePixelRatio || 1, size = Math.ceil((r + 3) * 2), c = document.createElement('canvas');
    c.width = c.height = Math.ceil(size * dpr);
    var ctx = c.getContext('2d'), col = TM.STATUS_COLORS[+key[0]], rs = key[1], m = size / 2;
    ctx.scale(dpr, dpr); ctx.beginPath();
    if (related) ctx.rect(m - r * 0.8, m - r * 0.8, r * 1.6, r * 1.6); else ctx.arc(m, m, r, 0, 2 * Math.PI);
    if (rs === 's') {
      ctx.fillStyle = alpha(col, related ? 0.55 : 0.85); ctx.fill();
      ctx.lineWidth = r > 3 ? 1 : 0.5; ctx.strokeStyle = '#fff'; ctx.stroke();
    } else {  // pending review: hollow with a dashed ring; rejected: thin hollow ring
      ctx.fillStyle = 'rgba(255,255,255,0.8)'; ctx.fill();
      ctx.setLineDash(rs === 'd' && r > 3 ? [3, 2] : []); ctx.lineWidth = rs === 'd' ? 2 : 1;
      ctx.strokeStyle = col; ctx.stroke();
    }
    sprites[id] = {c: c, size: size, id: Object.keys(sprites).length + 1};
    return sprites[id];
  }

  /* Marker radius for an event: its troop-count size, scaled down when very many events are
     on screen at once so dense views stay legible (relative sizes are kept). */
  function radiusScale(n) { return n <= 3000 ? 1 : Math.max(0.3, Math.sqrt(3000 / n)); }

  /* Dense views (more than TM.DENSE markers on screen): each marker is a small square written
     straight into pixels - 3 px, or 5 px for 1,000 troops and more; hollow when pending
     review - then composited once. Later events are drawn over earlier ones. */
  TM.DENSE = 2500;
  var RGBA = null;
  function drawDense(ctx, f, pts, np, related) {
    var D = TM.D, dpr = window.devicePixelRatio || 1, W = Math.ceil(f.w * dpr), H = Math.ceil(f.h * dpr);
    var img = TM._img && TM._img.width === W && TM._img.height === H ? TM._img : (TM._img = new ImageData(W, H));
    var px = new Uint32Array(img.data.buffer), P = D.P;
    px.fill(0);
    if (!RGBA) RGBA = TM.STATUS_COLORS.map(function (h) {
      var v = parseInt(h.slice(1), 16);
      return (255 << 24 | (v & 255) << 16 | ((v >> 8) & 255) << 8 | (v >> 16)) >>> 0;  // little-endian ABGR
    });
    var WHITE = 0xffffffff;
    for (var k = 0; k < np; k += 4) {
      var i = pts[k], c = TM.num(P.cnt[i]), big = c !== null && c >= 1000, h = Math.round((big ? 2 : 1) * dpr);
      var cx = Math.round(pts[k + 1] * dpr), cy = Math.round(pts[k + 2] * dpr), col = RGBA[D.st[i]];
      var hollow = D.rv[i] !== 1;
      for (var yy = cy - h; yy <= cy + h; yy++) {
        if (yy < 0 || yy >= H) continue;
        var row = yy * W;
        for (var xx = cx - h; xx <= cx + h; xx++) {
          if (xx < 0 || xx >= W) continue;
          px[row + xx] = hollow && (xx !== cx - h && xx !== cx + h && yy !== cy - h && yy !== cy + h) ? WHITE : col;
        }
      }
    }
    var off = TM._off || (TM._off = document.createElement('canvas'));
    if (off.width !== W || off.height !== H) { off.width = W; off.height = H; }
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.globalAlpha = related ? 0.6 : 1;
    ctx.drawImage(off, 0, 0); ctx.restore();
  }

  /* Areas (region/country-level events), approximate-area rings and points. */
  TM.drawEvents = function (related) {
    return function (ctx, f) {
      var D = TM.D, rows = D.rows, nr = D.nrows, X = D.X, Y = D.Y, g = D.g;
      var ro = D.ro, st = D.st, rv = D.rv, rad = D.rad, C = TM.STATUS_COLORS, i, k, x, y, r;
      var drawn = related ? null : (TM.drawnBuf && TM.drawnBuf.length === D.n ? TM.drawnBuf : (TM.drawnBuf = new Int32Array(D.n)));
      var nd = 0, np = 0, rings = {}, seen = {}, scale = radiusScale(nr);
      var pts = TM.ptsBuf && TM.ptsBuf.length === 4 * D.n ? TM.ptsBuf : (TM.ptsBuf = new Float32Array(4 * D.n));
      if (!related) TM.areaPaths = [];
      for (k = 0; k < nr; k++) {
        i = rows[k];
        if ((ro[i] === D.RELATED) !== related || g[i] === TM.G_NONE) continue;
        if (g[i] === TM.G_AREA) {
          var o = D.outlines[D.ol[i]];
          if (!onScreen(o.bbox, f)) continue;
          var key = D.ol[i] + ':' + st[i] + ':' + (rv[i] === 0 ? 1 : 0);
          if (drawn) drawn[nd++] = i;
          if (seen[key]) { if (!related) TM.areaPaths.push([i, seen[key]]); continue; }
          var p = seen[key] = outlinePath(o, f);
          if (!related) TM.areaPaths.push([i, p]);
          ctx.fillStyle = alpha(C[st[i]], 0.08); ctx.fill(p, 'evenodd');
          ctx.setLineDash(rv[i] === 0 ? [6, 4] : []); ctx.lineWidth = 1.5;
          ctx.strokeStyle = C[st[i]]; ctx.stroke(p);
          continue;
        }
        x = X[i] * f.s - f.ox; y = Y[i] * f.s - f.oy;
        if (g[i] === TM.G_APPROX) {  // area known only approximately: soft fill, dashed ring, no pin
          r = TM.APPROX_RADIUS[D.str('gp', i)] || 22;
          if (x < -r || y < -r || x > f.w + r || y > f.h + r) continue;
          var pa = rings[st[i]] || (rings[st[i]] = new Path2D());
          pa.moveTo(x + r, y); pa.arc(x, y, r, 0, 2 * Math.PI);
          if (drawn) drawn[nd++] = i;
          continue;
        }
        r = Math.max(2, Math.round(rad[i] * scale));
        if (x < -r || y < -r || x > f.w + r || y > f.h + r) continue;
        if (drawn) drawn[nd++] = i;
        pts[np++] = i; pts[np++] = x; pts[np++] = y; pts[np++] = r;
      }
      if (drawn) TM.ndrawn = nd;
      if (np / 4 > TM.DENSE) drawDense(ctx, f, pts, np, related); else {
        for (k = 0; k < np; k += 4) {
          i = pts[k];
          var sp = sprite(st[i] + (rv[i] === 0 ? 'd' : (rv[i] === 2 ? 'x' : 's')), pts[k + 3], related);
          ctx.drawImage(sp.c, pts[k + 1] - sp.size / 2, pts[k + 2] - sp.size / 2, sp.size, sp.size);
        }
      }
      ctx.setLineDash([4, 4]); ctx.lineWidth = 1.5;
      Object.keys(rings).forEach(function (s) {
        ctx.fillStyle = alpha(C[+s], 0.12); ctx.fill(rings[s]); ctx.strokeStyle = C[+s]; ctx.stroke(rings[s]);
      });
      ctx.setLineDash([]);
      if (!related) drawSelection(ctx, f);
    };
  };

  /* Ids of the events the events layer drew in the last redraw (tests, benchmarks). */
  TM.drawnIds = function () {
    return Array.from(TM.drawnBuf ? TM.drawnBuf.subarray(0, TM.ndrawn) : [], function (i) { return TM.D.P.id[i]; });
  };

  function drawSelection(ctx, f) {
    var D = TM.D, i = TM.S.sel;
    if (i < 0 || !D.vis[i] || D.g[i] === TM.G_NONE || D.ro[i] === D.RELATED) return;
    ctx.lineWidth = 3; ctx.strokeStyle = '#111'; ctx.setLineDash([]);
    if (D.g[i] === TM.G_AREA) { ctx.stroke(outlinePath(D.outlines[D.ol[i]], f)); return; }
    var x = D.X[i] * f.s - f.ox, y = D.Y[i] * f.s - f.oy;
    var r = (D.g[i] === TM.G_APPROX ? (TM.APPROX_RADIUS[D.str('gp', i)] || 22) : Math.max(2, Math.round(D.rad[i] * radiusScale(D.nrows)))) + 4;
    ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.stroke();
  }

  /* Plain basemap from outlines (country borders), for maps without tiles. */
  TM.drawBackground = function (ctx, f) {
    ctx.fillStyle = '#f6f3ec'; ctx.strokeStyle = '#9aa5b1'; ctx.lineWidth = 1;
    TM.D.bg.forEach(function (o) {
      if (!onScreen(o.bbox, f)) return;
      var p = outlinePath(o, f);
      ctx.fill(p, 'evenodd'); ctx.stroke(p);
    });
  };

  var TRACK_COLORS = ['#444', '#1f78b4', '#8c510a', '#c51b7d', '#01665e', '#762a83'];

  /* A track per actor: successive point events of one actor, in time order. Region- and
     country-level events stay out: a line to an area's centre would be a false position.
     With more than TRACK_MAX tracked events in the window only the selected event's actor
     is tracked. */
  TM.TRACK_MAX = 3000;
  TM.drawTracks = function (ctx, f) {
    var D = TM.D, rows = D.rows, nr = D.nrows, ac = D.ac, lastX = {}, lastY = {}, k, i, a, n = 0;
    for (k = 0; k < nr; k++) { i = rows[k]; if (ac[i] >= 0 && D.g[i] === TM.G_POINT) n++; }
    var only = n > TM.TRACK_MAX ? (TM.S.sel >= 0 ? ac[TM.S.sel] : -2) : -1;
    TM.tracksLimited = n > TM.TRACK_MAX;
    if (only === -2) return;
    var paths = TRACK_COLORS.map(function () { return new Path2D(); });
    for (k = 0; k < nr; k++) {
      i = rows[k]; a = ac[i];
      if (a < 0 || (only >= 0 && a !== only) || D.t0[i] < 0 || D.g[i] !== TM.G_POINT || D.ro[i] === D.RELATED || isNaN(D.X[i])) continue;
      var x = D.X[i] * f.s - f.ox, y = D.Y[i] * f.s - f.oy;
      if (lastX[a] !== undefined && (Math.abs(lastX[a] - x) > 0.5 || Math.abs(lastY[a] - y) > 0.5)) {
        var p = paths[a % paths.length];
        p.moveTo(lastX[a], lastY[a]); p.lineTo(x, y);
      }
      lastX[a] = x; lastY[a] = y;
    }
    ctx.lineWidth = 1.25;
    paths.forEach(function (p, c) { ctx.strokeStyle = alpha(TRACK_COLORS[c], 0.6); ctx.stroke(p); });
  };

  /* The arrow's course as screen points: a gentle curve between two places, else the
     polyline through the transits. */
  function course(pts) {
    var out = [], k, t;
    if (pts.length === 2) {
      var a = pts[0], b = pts[1], dx = b[0] - a[0], dy = b[1] - a[1];
      var cx = (a[0] + b[0]) / 2 - dy * 0.2, cy = (a[1] + b[1]) / 2 + dx * 0.2;
      for (k = 0; k <= 48; k++) {
        t = k / 48;
        out.push([(1 - t) * (1 - t) * a[0] + 2 * (1 - t) * t * cx + t * t * b[0],
                  (1 - t) * (1 - t) * a[1] + 2 * (1 - t) * t * cy + t * t * b[1]]);
      }
      return out;
    }
    for (k = 0; k < pts.length; k++) out.push(pts[k]);
    return out;
  }

  /* Region- and country-level ends have no position: the arrow stops where it enters the
     destination's outline and starts where it leaves the origin's (unless it never does). */
  function clipToAreas(line, first, last, f) {
    var D = TM.D, hc = TM.hitCtx || (TM.hitCtx = document.createElement('canvas').getContext('2d'));
    function area(i) { return D.g[i] === TM.G_AREA ? outlinePath(D.outlines[D.ol[i]], f) : null; }
    function inside(p, q) { return hc.isPointInPath(p, q[0], q[1], 'evenodd'); }
    function edge(p, out, inn) {  // the outline crossing between an outside and an inside point
      for (var n = 0; n < 16; n++) {
        var m = [(out[0] + inn[0]) / 2, (out[1] + inn[1]) / 2];
        if (inside(p, m)) inn = m; else out = m;
      }
      return inn;
    }
    var a = 0, b = line.length - 1, dest = area(last), orig = area(first), k;
    line = line.slice();
    if (dest && !inside(dest, line[0])) {
      for (k = 1; k <= b; k++) if (inside(dest, line[k])) { line[k] = edge(dest, line[k - 1], line[k]); b = k; break; }
    }
    if (orig && !inside(orig, line[b])) {
      for (k = b - 1; k >= 0; k--) if (inside(orig, line[k])) { line[k] = edge(orig, line[k + 1], line[k]); a = k; break; }
    }
    return line.slice(a, b + 1);
  }

  /* Movement arrows origin -> (transits) -> destination, curved, with an arrowhead. */
  TM.drawMoves = function (ctx, f) {
    var D = TM.D, C = TM.STATUS_COLORS;
    D.moves.forEach(function (chain) {
      var any = chain.some(function (i) { return D.vis[i]; });
      if (!any) return;
      var pts = chain.map(function (i) { return [D.X[i] * f.s - f.ox, D.Y[i] * f.s - f.oy]; });
      var last = chain[chain.length - 1], col = C[D.st[last]];
      var line = clipToAreas(course(pts), chain[0], last, f);
      if (line.length < 2) return;
      ctx.strokeStyle = col; ctx.fillStyle = col; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.moveTo(line[0][0], line[0][1]);
      for (var k = 1; k < line.length; k++) ctx.lineTo(line[k][0], line[k][1]);
      ctx.stroke();
      var to = line[line.length - 1], from = line[line.length - 2];
      var ang = Math.atan2(to[1] - from[1], to[0] - from[0]), h = 11;
      ctx.beginPath(); ctx.moveTo(to[0], to[1]);
      ctx.lineTo(to[0] - h * Math.cos(ang - 0.4), to[1] - h * Math.sin(ang - 0.4));
      ctx.lineTo(to[0] - h * Math.cos(ang + 0.4), to[1] - h * Math.sin(ang + 0.4));
      ctx.closePath(); ctx.fill();
    });
  };

  /* The event under a container point: points first (top-most), then areas; -1 if none. */
  TM.hitTest = function (pt, withRelated) {
    var D = TM.D, map = TM.map, o = map.containerPointToLayerPoint([0, 0]).add(map.getPixelOrigin());
    var s = 256 * Math.pow(2, map.getZoom()), best = -1, bd = Infinity;
    for (var k = D.nrows - 1; k >= 0; k--) {
      var i = D.rows[k], g = D.g[i];
      if (g !== TM.G_POINT && g !== TM.G_APPROX) continue;
      if (D.ro[i] === D.RELATED && !withRelated) continue;
      var dx = D.X[i] * s - o.x - pt.x, dy = D.Y[i] * s - o.y - pt.y, d = Math.sqrt(dx * dx + dy * dy);
      var r = g === TM.G_APPROX ? (TM.APPROX_RADIUS[D.str('gp', i)] || 22) : Math.max(2, Math.round(D.rad[i] * radiusScale(D.nrows))) + 3;
      if (d <= r && d < bd) { bd = d; best = i; }
    }
    if (best >= 0) return best;
    var ctx = TM.hitCtx || (TM.hitCtx = document.createElement('canvas').getContext('2d'));
    for (var a = (TM.areaPaths || []).length - 1; a >= 0; a--) {
      if (ctx.isPointInPath(TM.areaPaths[a][1], pt.x, pt.y, 'evenodd')) return TM.areaPaths[a][0];
    }
    return -1;
  };
})();
