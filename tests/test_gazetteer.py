"""The gazetteer on the real data (the session ``gazetteer`` fixture: the built index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.errors import AmbiguousPlaceError, PlaceNotFoundError, ValidationError
from tracker.gazetteer import Gazetteer, normalize_name
from tracker.gazetteer.sources import load_table
from tracker.model import Place, RegionFilter

SPOT_CHECKS = [
    ("Vladivostok", "RU", "RU-PRI"),
    ("Ussuriysk", "RU", "RU-PRI"),
    ("Ulan-Ude", "RU", "RU-BU"),
    ("Yakutsk", "RU", "RU-SA"),
    ("Kursk", "RU", "RU-KRS"),
    ("Sudzha", "RU", "RU-KRS"),
    ("Khabarovsk", "RU", "RU-KHA"),
    ("Blagoveshchensk", "RU", "RU-AMU"),
]


@pytest.mark.parametrize(("name", "cc", "admin1"), SPOT_CHECKS)
def test_spot_checks_resolve_to_the_right_admin1(
    gazetteer: Gazetteer, name: str, cc: str, admin1: str
) -> None:
    p = gazetteer.resolve(name)
    assert p.kind == "city"
    assert (p.country_code, p.admin1_code) == (cc, admin1)
    assert p.id.startswith("geonames:") and p.population > 0


def test_blagoveshchensk_on_the_amur_is_the_large_one(gazetteer: Gazetteer) -> None:
    hits = gazetteer.search("Blagoveshchensk", country="RU", limit=5)
    assert [h.admin1_code for h in hits[:2]] == ["RU-AMU", "RU-BA"]
    assert hits[0].population > 200_000 > hits[1].population
    # Ambiguity stays visible: both are exact matches with close but ordered scores.
    assert 0.8 < hits[1].score < hits[0].score <= 1.0


@pytest.mark.parametrize("name", ["Wonsan", "Chongjin"])
def test_north_korean_cities(gazetteer: Gazetteer, name: str) -> None:
    p = gazetteer.resolve(name)
    assert p.country_code == "KP"
    assert p.admin1_code is not None and p.admin1_code.startswith("KP-")


def test_wonsan_matches_the_accented_spelling(gazetteer: Gazetteer) -> None:
    p = gazetteer.resolve("wonsan")
    assert p.name == "Wŏnsan"
    assert p.admin1_code == "KP-07"  # Kangwon province


@pytest.mark.parametrize(
    ("query", "place_id"),
    [
        ("Primorsky Krai", "iso3166-2:RU-PRI"),
        ("Primorskiy kray", "iso3166-2:RU-PRI"),
        ("primorskij  KRAJ", "iso3166-2:RU-PRI"),
        ("Primorye", "iso3166-2:RU-PRI"),
        ("Приморский край", "iso3166-2:RU-PRI"),
        ("Kursk Oblast", "iso3166-2:RU-KRS"),
        ("Kursk region", "iso3166-2:RU-KRS"),
        ("Курская область", "iso3166-2:RU-KRS"),
        ("Republic of Buryatia", "iso3166-2:RU-BU"),
        ("Buryatia", "iso3166-2:RU-BU"),
        ("Sakha (Yakutia)", "iso3166-2:RU-SA"),
        ("Yakutia", "iso3166-2:RU-SA"),
        ("Khabarovsk Krai", "iso3166-2:RU-KHA"),
        ("Amur Oblast", "iso3166-2:RU-AMU"),
        ("Siberia", "region:siberia"),
        ("Donbass", "region:donbas"),
        ("DPRK", "country:KP"),
        ("ROK", "country:KR"),
        ("U.S.", "country:US"),
        ("UK", "country:GB"),
        ("Britain", "country:GB"),
    ],
)
def test_names_and_administrative_variants_resolve(
    gazetteer: Gazetteer, query: str, place_id: str
) -> None:
    p = gazetteer.resolve(query)
    assert p.id == place_id
    assert p.matched_alias


@pytest.mark.parametrize(
    ("query", "place_id", "alias"),
    [
        ("Владивосток", "geonames:2013348", "Владивосток"),
        ("블라디보스토크", "geonames:2013348", "블라디보스토크"),
        ("Якутск", "geonames:2013159", "Якутск"),
    ],
)
def test_cyrillic_and_hangul(gazetteer: Gazetteer, query: str, place_id: str, alias: str) -> None:
    p = gazetteer.resolve(query)
    assert (p.id, p.matched_alias) == (place_id, alias)


def test_exact_before_partial_and_scores_ordered(gazetteer: Gazetteer) -> None:
    hits = gazetteer.search("Yakutsk", limit=10)
    assert hits[0].id == "geonames:2013159"
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    partial = gazetteer.search("Vladivost", limit=3)
    assert partial[0].id == "geonames:2013348"
    assert partial[0].score < hits[0].score  # a prefix never outranks an exact name


def test_named_region_outranks_small_town_of_the_same_name(gazetteer: Gazetteer) -> None:
    hits = gazetteer.search("Siberia", limit=5)
    assert hits[0].id == "region:siberia"
    town = next(h for h in hits if h.kind == "city")
    assert town.population < 10_000 and town.score < hits[0].score
    georgia = gazetteer.search("Georgia", limit=3)
    assert georgia[0].id == "country:GE"
    assert georgia[1].id == "iso3166-2:US-GA"


def test_country_and_kind_filters(gazetteer: Gazetteer) -> None:
    assert {h.country_code for h in gazetteer.search("Sergeyevka", country="ru")} == {"RU"}
    assert {h.kind for h in gazetteer.search("Kursk", kinds=["admin1"])} == {"admin1"}
    with pytest.raises(ValidationError, match="unknown country code 'XX'"):
        gazetteer.search("Kursk", country="XX")


def test_namesakes_of_similar_size_are_ambiguous(gazetteer: Gazetteer) -> None:
    # Springfield, Missouri (170,188) and Massachusetts (154,341): resolve must not pick one.
    with pytest.raises(AmbiguousPlaceError, match="give one of these ids") as info:
        gazetteer.resolve("Springfield")
    found = {getattr(c, "admin1_code", None) for c in info.value.candidates}
    assert {"US-MO", "US-MA"} <= found
    # A clearly larger namesake still wins (the Amur's 225,091 vs Bashkortostan's 34,238),
    # and an id picks exactly one.
    assert gazetteer.resolve("Blagoveshchensk").admin1_code == "RU-AMU"
    assert gazetteer.resolve("geonames:4951788").admin1_code == "US-MA"


def test_unknown_place_suggests_spellings(gazetteer: Gazetteer) -> None:
    with pytest.raises(PlaceNotFoundError) as info:
        gazetteer.resolve("Vladivstok")
    assert "Vladivostok" in info.value.suggestions
    assert "did you mean" in str(info.value)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 10_000, "Kursk\x1b[2J"])
def test_bad_names_are_rejected(gazetteer: Gazetteer, bad: str) -> None:
    with pytest.raises(ValidationError):
        gazetteer.search(bad)


def test_lookup_is_exact_and_cached(gazetteer: Gazetteer) -> None:
    first = gazetteer.lookup(normalize_name("Vladivostok"))
    assert first[0].id == "geonames:2013348"
    assert all(isinstance(p, Place) for p in first)
    assert gazetteer.lookup("vladivost") == []  # no partial matches for the geoparser
    kursk = {p.id for p in gazetteer.lookup("kursk")}
    assert {"geonames:538560", "iso3166-2:RU-KRS"} <= kursk
    assert gazetteer.lookup("vladivostok") == first


def test_names_enumerates_normalized_names(gazetteer: Gazetteer) -> None:
    names = gazetteer.names()
    assert {"vladivostok", "якутск", "buryatia", "dprk", "블라디보스토크"} <= names
    assert all(n == normalize_name(n) for n in list(names)[:2000])


@pytest.mark.parametrize(
    ("word", "place_id"),
    [
        ("North Korean", "country:KP"),
        ("Russian", "country:RU"),
        ("Buryat", "iso3166-2:RU-BU"),
        ("Yakut", "iso3166-2:RU-SA"),
        ("Siberian", "region:siberia"),
    ],
)
def test_demonyms(gazetteer: Gazetteer, word: str, place_id: str) -> None:
    p = gazetteer.demonym(word)
    assert p is not None and p.id == place_id
    assert gazetteer.demonym("Vladivostok") is None


def test_get_and_reverse(gazetteer: Gazetteer) -> None:
    pri = gazetteer.get("iso3166-2:RU-PRI")
    assert pri is not None and pri.kind == "admin1" and pri.name == "Primorsky Krai"
    assert gazetteer.get("geonames:0") is None
    r = gazetteer.reverse(131.87, 43.11)
    assert r.place is not None and r.place.id == "geonames:2013348"
    assert r.admin1 is not None and r.admin1.id == "iso3166-2:RU-PRI"
    assert r.country is not None and r.country.id == "country:RU"
    assert r.distance_km is not None and r.distance_km < 2
    for lon, lat in [(181, 0), (0, -91), (float("nan"), 0)]:
        with pytest.raises(ValidationError, match="out of range"):
            gazetteer.reverse(lon, lat)


@pytest.mark.parametrize(
    ("lon", "lat", "near_cc", "admin1", "method"),
    [
        # Vladivostok: inside Primorsky Krai's outline.
        (131.87, 43.11, "RU", "RU-PRI", "outline"),
        # Primorsky Krai 9 km from the Chinese border: the nearest city is Suifenhe (CN,
        # Heilongjiang), but Russia's outline holds the point, so the admin1 is Russian.
        (131.26, 44.35, "CN", "RU-PRI", "nearest_city"),
        # Near Pogranichny: Heilongjiang's derived outline reaches over the border; only
        # areas of the country whose outline holds the point count.
        (131.3, 44.5, "RU", "RU-PRI", "nearest_city"),
        # Heilongjiang, across the border from Primorye: in its own outline.
        (131.0, 45.0, "CN", "CN-HL", "outline"),
        # Sea of Japan 30 km off the coast south-east of Vladivostok: no outline holds it.
        (132.3, 42.6, "RU", "RU-PRI", "nearest_city"),
        # Central Yakutia, 260 km from the nearest town: its outline still holds it.
        (135.0, 65.0, "RU", "RU-SA", "outline"),
    ],
)
def test_reverse_admin1_by_containment(
    gazetteer: Gazetteer, lon: float, lat: float, near_cc: str, admin1: str, method: str
) -> None:
    r = gazetteer.reverse(lon, lat)
    assert r.place is not None and r.place.country_code == near_cc
    assert r.admin1 is not None and r.admin1.admin1_code == admin1
    assert r.method == method
    assert r.country is not None and r.country.country_code == admin1[:2]


def test_reverse_country_method(gazetteer: Gazetteer) -> None:
    assert gazetteer.reverse(131.26, 44.35).country_method == "outline"
    assert gazetteer.reverse(132.3, 42.6).country_method == "nearest_city"  # at sea
    empty = gazetteer.reverse(0.0, 0.0)  # Gulf of Guinea, nothing within 300 km
    assert (empty.place, empty.admin1, empty.country, empty.method) == (None, None, None, None)


def test_region_filters(gazetteer: Gazetteer) -> None:
    sib = gazetteer.region("Siberia")
    assert isinstance(sib, RegionFilter) and sib.kind == "macro_region"
    assert {"RU-SA", "RU-BU", "RU-IRK"} <= set(sib.admin1_codes)
    assert "region:siberia" in sib.place_ids and sib.outline_wkt
    sfd = gazetteer.region("Siberian Federal District")
    assert "RU-BU" not in sfd.admin1_codes and "RU-SA" not in sfd.admin1_codes
    assert set(sfd.admin1_codes) < set(sib.admin1_codes)
    pri = gazetteer.region("Primorsky Krai")
    assert pri.admin1_codes == ("RU-PRI",) and pri.outline_wkt
    assert gazetteer.region("RU-PRI") == pri
    assert gazetteer.region("KP").country_codes == ("KP",)
    assert set(gazetteer.region("Korean Peninsula").country_codes) == {"KP", "KR"}
    with pytest.raises(PlaceNotFoundError):
        gazetteer.region("Qwertzuiop Oblast")


def test_outlines_are_geojson_areas(gazetteer: Gazetteer) -> None:
    import shapely

    for pid in ("iso3166-2:RU-PRI", "region:siberia", "country:KP"):
        geo = gazetteer.outline(pid)
        assert geo is not None and geo["type"] in ("Polygon", "MultiPolygon")
    pri = shapely.geometry.shape(gazetteer.outline("iso3166-2:RU-PRI"))
    assert pri.contains(shapely.Point(131.87353, 43.10562))  # Vladivostok
    assert not pri.contains(shapely.Point(135.07, 48.48))  # Khabarovsk
    assert gazetteer.outline("geonames:2013348") is None


def test_macro_region_points_lie_inside_and_are_their_own(gazetteer: Gazetteer) -> None:
    import shapely

    pts = {}
    for slug in ("siberia", "russian-far-east", "donbas", "korean-peninsula", "scandinavia"):
        place = gazetteer.get(f"region:{slug}")
        assert place is not None, slug
        area = shapely.geometry.shape(gazetteer.outline(place.id))
        assert area.buffer(1e-6).contains(shapely.Point(place.lon, place.lat)), slug
        pts[slug] = (place.lon, place.lat)
    # Siberia (broad sense) contains the Far East but is not drawn at the Far East's point.
    assert pts["siberia"] != pts["russian-far-east"]
    # Regions named after a continent are not its namesake country: "Central America".
    for name in ("Central America", "North Africa", "East Africa", "the Caribbean"):
        kinds = {p.kind for p in gazetteer.lookup(normalize_name(name))}
        assert kinds == {"macro_region"}, name


def test_country_points_are_their_mainlands_centres(gazetteer: Gazetteer) -> None:
    import shapely

    for cc in ("US", "RU", "NO", "CL", "ID", "KP"):
        country = gazetteer.get(f"country:{cc}")
        assert country is not None and country.lon is not None and country.lat is not None
        area = shapely.geometry.shape(gazetteer.outline(country.id))
        assert area.contains(shapely.Point(country.lon, country.lat)), cc
    us = gazetteer.get("country:US")
    assert us is not None and us.lon is not None and us.lat is not None
    # Alaska and Hawaii do not pull the point: it lies in Kansas, the lower 48's middle.
    assert -101.0 < us.lon < -97.0 and 37.0 < us.lat < 40.0
    r = gazetteer.reverse(us.lon, us.lat)
    assert r.admin1 is not None and r.admin1.admin1_code == "US-KS"
    # every country with an outline is drawn inside itself (reverse geocodes back to it)
    from tracker.gazetteer.sources import load_countries

    checked = 0
    for cc in sorted(load_countries()):
        place = gazetteer.get(f"country:{cc}")
        if place is None or place.lon is None or gazetteer.outline(place.id) is None:
            continue
        back = gazetteer.reverse(place.lon, place.lat).country
        assert back is not None and back.country_code == cc, cc
        checked += 1
    assert checked > 150


def test_countries_countryinfo_lacks_are_drawn_at_their_capital(gazetteer: Gazetteer) -> None:
    # Kosovo, Curaçao...: no outline and no factbook point; the capital's point instead,
    # so the geoparser can pick them ("Kosovo" was Serbia's Kosovo-Metohija)
    from tracker.gazetteer.sources import load_cities, load_countries

    xk = gazetteer.get("country:XK")
    assert xk is not None and xk.lon is not None and xk.lat is not None
    assert abs(xk.lon - 21.17) < 0.05 and abs(xk.lat - 42.67) < 0.05  # Pristina
    with_towns = {c.country_code for c in load_cities()}
    for cc in sorted(load_countries()):
        place = gazetteer.get(f"country:{cc}")
        if place is not None and cc in with_towns:
            assert place.lon is not None and place.lat is not None, cc


def test_mainland_point_of_an_outline() -> None:
    from tracker.gazetteer.regions import mainland_point

    square = [[[10.0, 0.0], [12.0, 0.0], [12.0, 2.0], [10.0, 2.0], [10.0, 0.0]]]
    island = [[[30.0, 0.0], [30.5, 0.0], [30.5, 0.5], [30.0, 0.5], [30.0, 0.0]]]
    lon, lat = mainland_point({"type": "MultiPolygon", "coordinates": [island, square]})
    assert lon == pytest.approx(11.0, abs=1e-6) and lat == pytest.approx(1.0, abs=0.01)
    # A "C" shape: its centroid lies in the gap, so the point moves inside.
    c_shape = [[[0, 0], [6, 0], [6, 1], [1, 1], [1, 5], [6, 5], [6, 6], [0, 6], [0, 0]]]
    point = mainland_point({"type": "Polygon", "coordinates": c_shape})
    assert point is not None
    import shapely

    assert shapely.Polygon(c_shape[0]).contains(shapely.Point(point))
    assert mainland_point({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}) is None


def test_admin1_coverage_measured_at_build(gazetteer: Gazetteer) -> None:
    meta = gazetteer.meta
    assert float(meta["admin1_coverage"]) >= 0.95
    assert int(meta["admin1_cities"]) > 200_000


def test_macro_region_table_is_cited_and_valid(gazetteer: Gazetteer) -> None:
    codes = gazetteer.admin1_codes()
    regions = load_table("macro_regions.json")["regions"]
    for r in regions:
        assert r["definition"] and r["source"].startswith("https://")
        assert set(r.get("admin1", [])) <= codes, r["slug"]
        assert set(r.get("countries", [])) <= gazetteer.country_codes
    # The eight federal districts partition Russia's 83 ISO 3166-2 subjects.
    fds = [set(r["admin1"]) for r in regions if r["slug"].endswith("federal-district")]
    assert len(fds) == 8
    union = set().union(*fds)
    assert sum(len(f) for f in fds) == len(union)
    assert union == {c for c in codes if c.startswith("RU-")}


def test_exonym_and_demonym_tables_point_at_real_places(gazetteer: Gazetteer) -> None:
    for pid in load_table("exonyms.json")["aliases"]:
        assert gazetteer.get(pid) is not None, pid
    for pid in load_table("demonyms.json")["demonyms"].values():
        assert gazetteer.get(pid) is not None, pid


def test_derived_outlines_fit_their_places(gazetteer: Gazetteer) -> None:
    fit = gazetteer.outline_fit(kind="admin1")
    assert fit.regions > 2000
    assert fit.median_own_inside >= 0.95
    assert fit.median_other_share <= 0.03


def test_index_is_keyed_by_sources_and_user_data(
    gazetteer: Gazetteer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.errors import GazetteerError
    from tracker.gazetteer import build, sources, userdata

    cache = gazetteer.path.parent
    empty = tmp_path / "empty"
    assert build.index_path(cache, empty) == gazetteer.path  # no additions: the shared base
    mine = tmp_path / "mine"
    userdata.add_custom_place(mine, "Test Point", 131.9, 43.1, country_code="RU",
                              known_countries={"RU"})  # fmt: skip
    variant = build.index_path(cache, mine)
    assert variant != gazetteer.path and variant.name.startswith(gazetteer.path.stem + "-")
    monkeypatch.setattr(sources, "source_key", lambda: "0000000000000000")
    assert build.index_path(cache, empty).name == "gazetteer-0000000000000000.sqlite"
    with pytest.raises(GazetteerError, match="tracker places build"):
        Gazetteer.open(cache_dir=cache, data_dir=empty, build=False)


def test_kashmir_is_the_disputed_region_not_a_us_town(gazetteer: Gazetteer) -> None:
    hits = gazetteer.search("Kashmir", limit=3)
    assert hits[0].id == "region:kashmir"
    assert set(gazetteer.region("Kashmir").admin1_codes) == {"IN-JK", "IN-LA", "PK-JK", "PK-GB"}
