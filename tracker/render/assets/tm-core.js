/* tracker map, core: payload decoding, typed columns, filters and the time window.
   Report text is data only: nothing here turns it into markup. */
(function () {
  'use strict';
  var TM = window.TrackerMap = window.TrackerMap || {};
  TM.DAY = 864e5;
  // confirmed, claimed, unconfirmed, denied (colour-blind-safe diverging palette)
  TM.STATUS_COLORS = ['#1b7837', '#e08214', '#5e3c99', '#b2182b'];
  TM.APPROX_RADIUS = {admin2: 14, admin1: 22, macro_region: 30, country: 30};
  TM.G_NONE = 0; TM.G_POINT = 1; TM.G_AREA = 2; TM.G_APPROX = 3;

  /* base64 -> gzip -> JSON (text blob) or header JSON + int32 columns (core blob, "TMB1"),
     without any request (no fetch of a data: URL). */
  TM.decode = function (b64, binary) {
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    if (!binary) return new Response(stream).text().then(JSON.parse);
    return new Response(stream).arrayBuffer().then(function (buf) {
      var dv = new DataView(buf), hlen = dv.getUint32(4, true);
      if (dv.getUint32(0, true) !== 0x31424d54) throw new Error('not a tracker map payload');
      var P = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, hlen))), off = 8 + hlen;
      P.bin.forEach(function (name) { P[name] = new Int32Array(buf, off, P.n); off += 4 * P.n; });
      return P;
    });
  };

  function mercY(lat) {
    var s = Math.sin(Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180);
    return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  }
  TM.mercX = function (lon) { return (lon + 180) / 360; };
  TM.mercY = mercY;

  TM.NULL = -2147483648;  // "no value" in the binary integer columns
  TM.isNull = function (v) { return v === null || v === undefined || v === TM.NULL; };
  TM.num = function (v) { return TM.isNull(v) ? null : v; };

  function int32(a, nullValue) {
    if (a instanceof Int32Array) return a;
    var out = new Int32Array(a.length);
    for (var i = 0; i < a.length; i++) out[i] = a[i] === null ? nullValue : a[i];
    return out;
  }

  /* An outline (GeoJSON Polygon/MultiPolygon) as rings of normalised mercator coordinates. */
  function outlineRings(geom) {
    var polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates, rings = [];
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    polys.forEach(function (poly) {
      poly.forEach(function (ring) {
        var r = new Float64Array(ring.length * 2);
        ring.forEach(function (p, k) {
          var x = TM.mercX(p[0]), y = mercY(p[1]);
          r[2 * k] = x; r[2 * k + 1] = y;
          if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y;
          if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
        });
        rings.push(r);
      });
    });
    return {rings: rings, bbox: b, geom: geom};
  }

  TM.Data = function (P) {
    var n = P.n, i;
    this.P = P; this.n = n; this.days = P.days;
    this.origin = Date.parse(P.origin + 'T00:00:00Z');
    this.t0 = int32(P.t0, -1); this.t1 = int32(P.t1, -1);
    this.g = Uint8Array.from(P.g); this.st = Uint8Array.from(P.st);
    this.rv = Uint8Array.from(P.rv); this.ro = Uint8Array.from(P.ro);
    this.ol = int32(P.ol, -1); this.grp = int32(P.grp, -1);
    ['ty', 'ac', 'cb', 'src', 'pl', 'un'].forEach(function (k) { this[k] = int32(P[k], -1); }, this);
    this.RELATED = P.roles.indexOf('related');
    this.outlines = P.outlines.map(outlineRings);
    this.bg = (P.bg || []).map(outlineRings);
    this.X = new Float64Array(n); this.Y = new Float64Array(n); this.rad = new Float32Array(n);
    var bb = [Infinity, Infinity, -Infinity, -Infinity];
    for (i = 0; i < n; i++) {
      if (!TM.isNull(P.x[i])) {
        this.X[i] = TM.mercX(P.x[i] / 1e5); this.Y[i] = mercY(P.y[i] / 1e5);
      } else if (this.ol[i] >= 0) {  // an area without a centroid: the middle of its extent
        var ob = this.outlines[this.ol[i]].bbox;
        this.X[i] = (ob[0] + ob[2]) / 2; this.Y[i] = (ob[1] + ob[3]) / 2;
      } else { this.X[i] = NaN; this.Y[i] = NaN; }
      if (this.g[i] !== TM.G_NONE) {
        var e = this.ol[i] >= 0 ? this.outlines[this.ol[i]].bbox : [this.X[i], this.Y[i], this.X[i], this.Y[i]];
        if (e[0] < bb[0]) bb[0] = e[0]; if (e[1] < bb[1]) bb[1] = e[1];
        if (e[2] > bb[2]) bb[2] = e[2]; if (e[3] > bb[3]) bb[3] = e[3];
      }
      var c = TM.num(P.cnt[i]);
      if (c === null) c = TM.num(P.chi[i]);
      if (c === null) c = TM.num(P.clo[i]);
      this.rad[i] = c === null ? 5 : Math.max(5, Math.min(20, 4 + Math.sqrt(c) / 3));
    }
    this.bbox = bb[0] <= bb[2] ? bb : null;
    this.members = {};  // group -> member indices (linked reports, issue 8)
    for (i = 0; i < n; i++) {
      if (this.grp[i] >= 0) (this.members[this.grp[i]] = this.members[this.grp[i]] || []).push(i);
    }
    this.fmask = new Uint8Array(n); this.vis = new Uint8Array(n);
    this.ndated = 0; this.maxDur = 0;
    for (i = 0; i < n; i++) {
      if (this.t0[i] >= 0) { this.ndated = i + 1; this.maxDur = Math.max(this.maxDur, this.t1[i] - this.t0[i]); }
    }
    this.rows = new Int32Array(n); this.nrows = 0;
    this.lower = {};
    ['pl', 'ac'].forEach(function (k) {
      this.lower[k] = P.dicts[k].map(function (s) { return s.toLowerCase(); });
    }, this);
    this.moves = P.moves;
  };

  TM.Data.prototype.dayToIso = function (d) {
    return new Date(this.origin + d * TM.DAY).toISOString().slice(0, 10);
  };
  TM.Data.prototype.isoToDay = function (s) {
    var t = Date.parse(String(s) + 'T00:00:00Z');
    return isNaN(t) ? null : Math.round((t - this.origin) / TM.DAY);
  };
  TM.Data.prototype.str = function (dict, i) {
    var k = this[dict] !== undefined ? this[dict][i] : this.P[dict][i];
    return k >= 0 ? this.P.dicts[dict][k] : '';
  };
  TM.Data.prototype.latlng = function (i) {
    if (TM.isNull(this.P.x[i])) return null;
    return [this.P.y[i] / 1e5, this.P.x[i] / 1e5];
  };

  /* Attribute filters and search -> fmask (the time window is applied separately). */
  TM.Data.prototype.computeMask = function (S) {
    var n = this.n, q = (S.q || '').trim().toLowerCase(), plOk = null, acOk = null;
    if (q) {
      plOk = this.lower.pl.map(function (s) { return s.indexOf(q) >= 0; });
      acOk = this.lower.ac.map(function (s) { return s.indexOf(q) >= 0; });
    }
    var st = this.st, rv = this.rv, ty = this.ty, ac = this.ac, cb = this.cb, src = this.src, pl = this.pl;
    for (var i = 0; i < n; i++) {
      var ok = S.st[st[i]] && S.rv[rv[i]] &&
        (S.ty < 0 || ty[i] === S.ty) && (S.ac < 0 || ac[i] === S.ac) &&
        (S.cb < 0 || cb[i] === S.cb) && (S.src < 0 || src[i] === S.src);
      if (ok && q) ok = (pl[i] >= 0 && plOk[pl[i]]) || (ac[i] >= 0 && acOk[ac[i]]);
      this.fmask[i] = ok ? 1 : 0;
    }
  };

  /* Events overlapping [a, b] (day numbers, inclusive) that pass the filters; undated
     events pass every window (they are listed last). */
  TM.Data.prototype.applyWindow = function (a, b) {
    var t0 = this.t0, t1 = this.t1, f = this.fmask, vis = this.vis, rows = this.rows, k, i;
    for (k = 0; k < this.nrows; k++) vis[rows[k]] = 0;  // clear the previous window only
    // events are sorted by start (undated last): scan from the first that may still overlap
    var lo = lowerBound(t0, a - this.maxDur, this.ndated), hi = lowerBound(t0, b + 1, this.ndated);
    k = 0;
    for (i = lo; i < hi; i++) {
      if (f[i] && t1[i] >= a) { vis[i] = 1; rows[k++] = i; }
    }
    for (i = this.ndated; i < this.n; i++) if (f[i]) { vis[i] = 1; rows[k++] = i; }
    this.nrows = k;
  };

  function lowerBound(arr, v, n) {
    var lo = 0, hi = n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  TM.Data.prototype.indexOfId = function (id) { return this.P.id.indexOf(id); };

  /* Small DOM helper: text only, never markup. */
  TM.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  /* Only http(s) URLs become links; anything else (javascript:, data:, ...) stays text. */
  TM.safeUrl = function (u) {
    if (!u) return null;
    try {
      var p = new URL(String(u).trim());
      return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : null;
    } catch (e) { return null; }
  };

  TM.fmtNum = function (v) { return v === null || v === undefined ? '' : Number(v).toLocaleString('en-US'); };
})();
