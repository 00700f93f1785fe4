"""Custom places kept in a PostGIS store, shared by everyone who uses that store.

``tracker places add --store postgresql://...`` writes here instead of the data dir; every
command that resolves places with that store (places search/reverse, add --place,
query --near, ingest) reads them through :func:`tracker.query.open_gazetteer`.
"""

from __future__ import annotations

import hashlib

from tracker.errors import ValidationError
from tracker.gazetteer import check_name, normalize_name
from tracker.gazetteer.userdata import SAME_CUSTOM_KM, approx_km, check_lon_lat
from tracker.model import Place

TEAM_ID_PREFIX = "custom:team-"


def team_place_id(name: str, lon: float, lat: float) -> str:
    """Return the id of a new team place: a hash of its name and point.

    Two analysts adding different places at the same moment get different ids (no
    counter to race on); the same place added twice gets the same id.
    """
    key = f"{normalize_name(name)}|{lon:.5f}|{lat:.5f}"
    return TEAM_ID_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:10]


def add_team_place(
    store: str,
    name: str,
    lon: float,
    lat: float,
    *,
    country: str | None,
    aliases: tuple[str, ...] = (),
) -> Place:
    """Validate and write one custom place into the store at ``store``; return it.

    The same name again within ``SAME_CUSTOM_KM`` of a team place is that place: new
    aliases are merged into it. Its admin1 and country come from ``Gazetteer.reverse``.

    Raises
    ------
    ValidationError
        Empty or over-long names, coordinates out of range, unknown country codes.
    """
    from tracker.gazetteer import Gazetteer
    from tracker.query import team_places
    from tracker.store import open_store

    name = check_name(name)
    check_lon_lat(lon, lat)
    al = [check_name(a, what="alias") for a in aliases]
    gz = Gazetteer.open()
    cc = gz.check_country(country)
    st = open_store(store)
    try:
        add = getattr(st, "add_custom_place", None)
        if add is None:
            msg = f"{store} keeps no shared custom places; give a postgresql:// store"
            raise ValidationError(msg)
        existing = team_places(st)
        for old, old_aliases in existing:
            if normalize_name(old.name) != normalize_name(name) or old.lon is None:
                continue
            if approx_km(old.lon, old.lat or 0.0, lon, lat) > SAME_CUSTOM_KM:
                continue
            if cc and old.country_code not in (None, cc):
                continue
            merged = [*old_aliases, *(a for a in al if a not in old_aliases)]
            if merged != list(old_aliases):
                add(old, aliases=merged)
            return old
        gz.add_places(existing)
        where = gz.reverse(lon, lat)
        place_cc = cc or (where.country.country_code if where.country else None)
        a1 = where.admin1.admin1_code if where.admin1 else None
        if where.admin1 is None or where.admin1.country_code != place_cc:
            a1 = None
        place = Place(
            id=team_place_id(name, lon, lat),
            name=name,
            kind="custom",
            country_code=place_cc,
            admin1_code=a1,
            lon=float(lon),
            lat=float(lat),
        )
        add(place, aliases=al)
        return place
    finally:
        st.close()
