"""Radius and polygon tests of the stores' refine step (tracker.store.spatial)."""

from __future__ import annotations

import numpy as np
from pyproj import Geod

from tracker.store.spatial import within_radius


def test_within_radius_agrees_with_the_wgs84_geodesic_near_every_circle() -> None:
    """The haversine shortcut decides only points far from the circle; the rest are exact."""
    geod = Geod(ellps="WGS84")
    rng = np.random.default_rng(7)
    for _ in range(200):
        lon0, lat0 = rng.uniform(-180, 180), rng.uniform(-89.9, 89.9)
        radius = float(rng.choice([5.0, 1e3, 5e4, 3e5, 2e6, 9e6]))
        az = rng.uniform(0, 360, 300)
        dist = radius * rng.uniform(0.985, 1.015, 300)  # all within 1.5 % of the circle
        dist[::30] = radius  # and some exactly on it
        lons, lats, _ = geod.fwd(np.full(300, lon0), np.full(300, lat0), az, dist)
        exact = geod.inv(np.full(300, lon0), np.full(300, lat0), lons, lats)[2] <= radius
        got = within_radius(list(lons), list(lats), lon0, lat0, radius)
        assert got == exact.tolist()
    assert within_radius([], [], 0.0, 0.0, 1.0) == []
