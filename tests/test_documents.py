"""tracker.documents: reading reports (front matter, HTML, comment threads, datelines)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PROPERTY_EXAMPLES, ROOT
from tracker.documents import Document, parse_document, read_document
from tracker.errors import IngestError
from tracker.model import report_id_for

PROPS = settings(
    max_examples=PROPERTY_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

ARTICLE = (
    "Officials in Tallinn said on Monday that a convoy of 40 trucks crossed the border near "
    "Narva overnight.\n\nThe defence ministry did not immediately comment on the report.\n"
)

# A Reddit/Lemmy-like scrape written for this test: handles, action links, votes, timestamps.
THREAD = """
  • @harbour_watcher
    reply
    12 points
    3 hours ago

    Saw the trucks myself near the bridge.

      • night_owl
        permalink
        4 points
        2 hours ago

        Pics or it did not happen.
"""


def test_front_matter_metadata_and_body(tmp_path: Path) -> None:
    p = tmp_path / "r.md"
    p.write_text(
        '---\ntitle: "Convoy: 40 trucks"\npublisher: Baltic Wire\npublished: 2024-03-04\n'
        "url: https://example.org/a\nretrieved: 2024-03-05\nlanguage: en\ndesk: north\n---\n"
        + ARTICLE,
        encoding="utf-8",
    )
    doc = read_document(p)
    assert doc.meta.title == "Convoy: 40 trucks" and doc.title == "Convoy: 40 trucks"
    assert doc.meta.publisher == "Baltic Wire"
    assert doc.meta.published == "2024-03-04" and doc.meta.retrieved == "2024-03-05"
    assert doc.meta.url == "https://example.org/a" and doc.meta.language == "en"
    assert doc.meta.extra == (("desk", "north"),)
    assert doc.text == ARTICLE  # the front matter is metadata, not report text
    assert doc.report_id == report_id_for(ARTICLE)
    assert doc.body_end is None and doc.warnings == () and doc.kind == "markdown"


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("---\ntitle: Convoy: 40 trucks\n---\ntext", "line 2"),
        ("---\ntitle: ok\npublisher: [unclosed\n---\ntext", "broken front matter"),
        ("---\ntitle: ok\ntext without a closing line", "never closed"),
        ("---\n- a\n- b\n---\ntext", "not 'key: value'"),
        ("---\ntitle: ok\npublished: 31 February 2024\n---\ntext", "line 3"),
        ("---\npublished: 2024-10\n---\ntext", "one day"),
        ("---\ntitle: [a, b]\n---\ntext", "plain text"),
        ("---\ntitle: ok\n---\n  \n", "no report text"),
    ],
)
def test_broken_front_matter_names_line_and_fix(raw: str, needle: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_document(raw.encode(), name="bad.md")
    assert "bad.md" in str(err.value) and needle in str(err.value)


def test_future_publication_date_is_a_warning() -> None:
    doc = parse_document(b"---\npublished: 2999-01-01\n---\nTroops moved.", name="f.md")
    assert any("future" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b" \n\t\n", "whitespace"),
        (b"%PDF-1.7\n%binary", "PDF"),
        (b"\x89PNG\r\n\x1a\n....", "PNG"),
        (b"abc\x00def\x00" * 10, "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
    ],
)
def test_empty_and_binary_rejected(data: bytes, needle: str) -> None:
    with pytest.raises(IngestError) as err:
        parse_document(data, name="x.txt")
    assert needle in str(err.value)


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read"):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(IngestError, match="folder"):
        read_document(tmp_path)


def test_invalid_utf8_replaced_and_reported() -> None:
    doc = parse_document(b"Troops in Kharkiv \xff\xfe and caf\xe9.", name="bad.txt")
    assert doc.text == "Troops in Kharkiv \ufffd\ufffd and caf\ufffd."
    assert len(doc.warnings) == 1 and "invalid UTF-8" in doc.warnings[0]
    assert "3 bad byte" in doc.warnings[0]


def test_warnings_do_not_repeat_the_file_name() -> None:
    # Callers (tracker ingest) print "Warning: <file>: <warning>"; the name must appear once.
    bad = parse_document(b"Troops in Kharkiv \xff.", name="bad.txt")
    future = parse_document(b"---\npublished: 2999-01-01\n---\nTroops moved.", name="f.md")
    meta = parse_document(
        b'<html><head><meta property="article:published_time" content="2024-02-30">'
        b"</head><body><p>Troops moved to Kursk.</p></body></html>",
        name="p.html",
    )
    warnings = bad.warnings + future.warnings + meta.warnings
    assert len(warnings) == 3
    assert not any(n in w for w in warnings for n in ("bad.txt", "f.md", "p.html"))


def test_line_endings_and_bom_normalised() -> None:
    a = parse_document(b"\xef\xbb\xbfLine one.\r\nLine two.\r\n")
    b = parse_document(b"Line one.\nLine two.\n")
    assert a.text == b.text and a.report_id == b.report_id


def test_comment_thread_detected_and_offsets_index_text() -> None:
    doc = parse_document((ARTICLE + THREAD).encode(), name="t.txt")
    assert doc.body_end is not None
    assert doc.body.rstrip() == ARTICLE.rstrip()
    assert doc.text[doc.body_end :].lstrip().startswith("• @harbour_watcher")


REDDITISH = """
[-] kettle_black 41 points 5 hours ago
They moved the whole brigade overnight.
permalink save report reply

[-] ostsee 12 points 4 hours ago
Source?
permalink save parent report reply
"""


def test_one_line_comment_headers_detected() -> None:
    doc = parse_document(ARTICLE + REDDITISH)
    assert doc.body_end is not None and doc.body.rstrip() == ARTICLE.rstrip()


def test_single_article_timestamp_is_not_a_thread() -> None:
    text = "By Jane Roe, 3 hours ago\nShare\nSave\n\n" + ARTICLE
    assert parse_document(text).body_end is None


def test_seed_comment_thread_is_split_from_the_article() -> None:
    doc = read_document(ROOT / "seeds" / "nis-north-korean-troops-vladivostok.md")
    assert doc.body_end is not None
    assert "Zelenskyy" in doc.body and "@credo" not in doc.body
    assert "Serbian" in doc.text[doc.body_end :]


@pytest.mark.parametrize(
    "text",
    [
        # A bullet list and a table of figures are not a comment thread.
        "Units seen:\n\n• Pskov\n• Luga\n• Ostrov\n\n1200\n300\n450\n\nMore text follows here.",
        # Share buttons and a relative timestamp at the top of an article, but no user handles.
        "Share\nSave\n2 hours ago\n\nTroops moved north on Monday, officials said.",
        ARTICLE,
    ],
)
def test_no_false_comment_thread(text: str) -> None:
    assert parse_document(text).body_end is None


@pytest.mark.parametrize(
    ("text", "dateline"),
    [
        (
            "VILNIUS, March 4 (Reuters) - Lithuania said troops arrived.",
            "VILNIUS, March 4 (Reuters) - ",
        ),
        ("RIGA (AP) — Latvia moved troops to the border.", "RIGA (AP) — "),
        ("Tallinn, Estonia (CNN) — Estonia said on Monday.", "Tallinn, Estonia (CNN) — "),
        ("NEW DELHI -- Indian troops exercised.", "NEW DELHI -- "),
        ("Headline here\n\nKYIV, Nov 4 (Reuters) - Ukraine said.", "KYIV, Nov 4 (Reuters) - "),
    ],
)
def test_dateline_span(text: str, dateline: str) -> None:
    doc = parse_document(text)
    assert doc.dateline_span is not None
    a, b = doc.dateline_span
    assert doc.text[a:b] == dateline


@pytest.mark.parametrize(
    "text",
    [
        "NATO said on Friday that troops - about 300 - moved.",
        "Troops moved - officials said.",
        "The ministry (MoD) - in a statement - said.",
    ],
)
def test_no_dateline(text: str) -> None:
    assert parse_document(text).dateline_span is None


def test_title_from_heading_or_first_line() -> None:
    assert parse_document("# Troops cross river\n\nBody text.").title == "Troops cross river"
    assert parse_document("Troops cross river\n\nBody text here.").title == "Troops cross river"
    assert parse_document("Troops crossed the river on Monday.\nMore.").title is None


HTML = """<!DOCTYPE html><html lang="en"><head><title>Site | Convoy</title>
<meta property="og:site_name" content="Baltic Wire">
<meta property="article:published_time" content="2024-03-04T08:00:00Z">
<script>document.write("<p>injected</p>")</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<header class="masthead">Baltic Wire</header>
<div class="share-buttons">Share on X</div>
<article><h1>Convoy &amp; trucks</h1>
<p>RIGA (AP) &mdash; A convoy of 40 trucks crossed near Narva.</p>
<!-- editor note: check figures -->
<p hidden>hidden paragraph</p><p style="display: none">also hidden</p>
<p>The ministry did <b>not</b> comment.</p>
<aside>Related: other story</aside><form>Search <input name="q"></form>
<svg><text>svg text</text></svg></article>
<section id="comments"><div class="comment"><a>@reader1</a> 1 hour ago <p>Fake news!</p></div></section>
<footer>Copyright</footer><script>alert(1)</script></body></html>"""


def test_html_keeps_article_drops_furniture() -> None:
    doc = parse_document(HTML.encode(), name="a.html", kind="html")
    assert doc.kind == "html"
    body = doc.body
    assert "A convoy of 40 trucks crossed near Narva." in body
    assert "The ministry did not comment." in body
    for gone in ("injected", "Home", "Share on X", "editor note", "hidden", "Related",
                 "Search", "svg text", "Copyright", "alert", "color: red"):  # fmt: skip
        assert gone not in doc.text, gone
    assert doc.title == "Convoy & trucks"
    assert doc.meta.publisher == "Baltic Wire" and doc.meta.published == "2024-03-04"
    assert doc.meta.language == "en"
    assert doc.body_end is not None and "Fake news!" in doc.text[doc.body_end :]
    assert doc.dateline_span is not None
    assert doc.text[slice(*doc.dateline_span)] == "RIGA (AP) — "


@pytest.mark.parametrize(
    ("head", "url"),
    [
        ('<link rel="canonical" href="https://wire.example/a">', "https://wire.example/a"),
        ('<link rel="canonical" href="https://wire.example/a" />', "https://wire.example/a"),
        ('<meta property="og:url" content="https://wire.example/b">', "https://wire.example/b"),
        (  # the canonical link wins over og:url
            '<meta property="og:url" content="https://wire.example/b">'
            '<link rel="Canonical" href="https://wire.example/a">',
            "https://wire.example/a",
        ),
        ('<link rel="canonical" href="javascript:alert(1)">', None),
    ],
)
def test_html_url_from_canonical_link_or_og_url(head: str, url: str | None) -> None:
    page = f"<html><head>{head}</head><body><p>Troops crossed near Narva.</p></body></html>"
    assert parse_document(page.encode(), name="a.html").meta.url == url


def test_html_sniffed_without_suffix(tmp_path: Path) -> None:
    p = tmp_path / "page.txt"
    p.write_text("<html><body><p>Troops moved.</p><script>x()</script></body></html>")
    assert read_document(p).text == "Troops moved."


@pytest.mark.parametrize(
    "html", ["<p>a <![foo bar</p>", "<![if !IE]>x<![endif]>", "&#99999999999; text", "<a b='x"]
)
def test_malformed_markup_gives_text(html: str) -> None:
    assert parse_document(html, kind="html").text.strip()


def test_html_without_text_is_an_error() -> None:
    with pytest.raises(IngestError, match="no article text"):
        parse_document(b"<html><script>alert(1)</script></html>", kind="html")


def test_deeply_nested_and_unclosed_html() -> None:
    doc = parse_document(("<div>" * 20000 + "Troops moved." + "<p>" * 5000).encode(), kind="html")
    assert doc.text == "Troops moved."


def test_large_text_is_linear() -> None:
    # 16 MB in a unit test; the 50 MB figure is measured in bench/. Quadratic behaviour would
    # take minutes here, so a generous bound still catches it without timing flakiness.
    unit = ARTICLE + "\n"
    small, big = unit * 16_000, unit * 160_000
    t0 = time.perf_counter()
    parse_document(small.encode())
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    doc = parse_document(big.encode())
    t_big = time.perf_counter() - t0
    assert len(doc.text) == len(big)
    assert t_big < 40 * max(t_small, 0.01)


def _check(doc: Document) -> None:
    assert doc.text.strip()
    if doc.body_end is not None:
        assert 0 <= doc.body_end <= len(doc.text)
    if doc.dateline_span is not None:
        a, b = doc.dateline_span
        assert 0 <= a < b <= len(doc.text)


@PROPS
@given(st.binary(max_size=300))
def test_any_bytes_give_a_document_or_ingest_error(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        _check(parse_document(data))


@PROPS
@given(
    st.dictionaries(
        st.sampled_from(["title", "publisher", "published", "url", "retrieved", "language", "x"]),
        st.one_of(st.text(max_size=30), st.dates().map(str), st.integers()),
        max_size=6,
    ),
    st.text(min_size=1, max_size=60),
)
def test_front_matter_fuzz(meta: dict[str, object], body: str) -> None:
    block = "".join(f"{k}: {v}\n" for k, v in meta.items())
    raw = f"---\n{block}---\n{body}"
    try:
        _check(
            parse_document(raw.encode("utf-8", errors="replace"), name="fuzz.md", kind="markdown")
        )
    except IngestError as err:
        assert "fuzz.md" in str(err)


HTML_BITS = st.sampled_from(
    [
        "<p>", "</p>", "<div class='comment'>", "</div>", "<script>", "</script>", "<nav>",
        "</nav>", "<article>", "</article>", "<h1>", "</h1>", "text ", "&amp;", "<!--", "-->",
        "<br>", "<svg>", "@user ", "2 hours ago", "reply", "\n", "<p hidden>", "<![CDATA[",
        "<![", "foo ", "<!", "</", "<a b='", "&#99999999;", "<?", "]]>", "<style>", "<title>",
    ]
)  # fmt: skip


@PROPS
@given(st.lists(HTML_BITS, max_size=30).map("".join))
def test_html_fuzz(html: str) -> None:
    with contextlib.suppress(IngestError):
        _check(parse_document(html.encode(), kind="html"))
