"""HTML to article text: keep the body, drop page furniture, set comments apart.

A streaming :class:`html.parser.HTMLParser` (stdlib, linear in the input, no network)
keeps the text of the article (``<article>``/``<main>`` when the page has them), drops
navigation, headers, footers, asides, scripts, styles, forms, embedded objects, hidden
elements and HTML comments, and collects text inside comment sections
(``id``/``class`` naming comments, replies, discussion, disqus) separately, so the caller
can store it after the body. Imports: stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose whole content is page furniture or code, never article text.
DROP_TAGS = frozenset(
    {
        "nav", "header", "footer", "aside", "script", "style", "form", "noscript", "template",
        "svg", "math", "iframe", "object", "embed", "canvas", "button", "select", "textarea",
        "head", "menu", "dialog", "video", "audio", "picture", "map",
    }
)  # fmt: skip
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
        "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "figure",
        "figcaption", "br", "hr", "address", "details", "summary", "body", "html",
    }
)  # fmt: skip
_COMMENT_ATTR = re.compile(
    r"(?i)(?:^|[\s_-])(?:comments?|replies|reply-list|discussion|disqus)(?:$|[\s_-])"
)
_FURNITURE_ATTR = re.compile(
    r"(?i)(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|cookie|banner|sidebar|share|social|"
    r"related|newsletter|subscribe|advert|ads?|promo)(?:$|[\s_-])"
)
_HIDDEN_STYLE = re.compile(r"(?i)display\s*:\s*none|visibility\s*:\s*hidden")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_META_KEYS = frozenset(
    {"og:title", "og:url", "og:site_name", "article:published_time", "date", "dc.date", "author"}
)
_MAX_SEARCH = 64  # how far up the open-element stack an unmatched end tag may close


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What :func:`html_to_text` kept."""

    body: str
    comments: str
    title: str | None
    meta: tuple[tuple[str, str], ...] = ()  # og:*/article:* meta tags and the page language


@dataclass(slots=True)
class _Open:
    tag: str
    drop: bool
    article: bool
    comment: bool
    pre: bool


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.drop = 0
        self.article = 0
        self.comment = 0
        self.pre = 0
        self.seen_article = False
        # Paragraph lists: everything kept, the article-only part, and comments.
        self.all: list[list[str]] = [[]]
        self.art: list[list[str]] = [[]]
        self.com: list[list[str]] = [[]]
        self.title_parts: list[str] = []
        self.in_title = False
        self.h1_parts: list[str] = []
        self.in_h1 = False
        self.h1_done = False
        self.og_title: str | None = None
        self.meta: dict[str, str] = {}

    # -- element bookkeeping
    def _push(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        marks = f"{a.get('id', '')} {a.get('class', '')} {a.get('role', '')}"
        hidden = (
            "hidden" in a
            or a.get("aria-hidden", "").lower() == "true"
            or bool(_HIDDEN_STYLE.search(a.get("style", "")))
        )
        is_comment = bool(_COMMENT_ATTR.search(marks))
        drop = (
            tag in DROP_TAGS
            or hidden
            or a.get("role", "").lower() in ("navigation", "banner", "contentinfo", "complementary")
            or (not is_comment and tag != "article" and bool(_FURNITURE_ATTR.search(marks)))
        )
        entry = _Open(tag, drop, tag in ("article", "main"), is_comment, tag == "pre")
        self.stack.append(entry)
        self.drop += entry.drop
        self.article += entry.article
        self.comment += entry.comment
        self.pre += entry.pre
        if entry.article:
            self.seen_article = True

    def _pop_to(self, tag: str) -> None:
        for depth in range(1, min(len(self.stack), _MAX_SEARCH) + 1):
            if self.stack[-depth].tag == tag:
                for _ in range(depth):
                    e = self.stack.pop()
                    self.drop -= e.drop
                    self.article -= e.article
                    self.comment -= e.comment
                    self.pre -= e.pre
                return

    def _break(self) -> None:
        for paras in (self.all, self.art, self.com):
            if paras[-1]:
                paras.append([])

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "html"):
            a = {k.lower(): (v or "") for k, v in attrs}
            key = (a.get("property") or a.get("name") or "").lower()
            if key in _META_KEYS and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
            if tag == "html" and a.get("lang"):
                self.meta.setdefault("lang", a["lang"].strip())
            self.og_title = self.meta.get("og:title")
        if tag == "link":
            a = {k.lower(): (v or "") for k, v in attrs}
            href = a.get("href", "").strip()
            rels = a.get("rel", "").lower().split()
            if "canonical" in rels and href.lower().startswith(("http://", "https://")):
                self.meta.setdefault("canonical", href)
        if tag == "title":
            self.in_title = True
        if tag == "h1" and not self.h1_done:
            self.in_h1 = True
        if tag in BLOCK_TAGS:
            self._break()
        if tag not in VOID_TAGS:
            self._push(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._break()
        if tag in ("meta", "link"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "h1" and self.in_h1:
            self.in_h1 = False
            self.h1_done = True
        if tag in BLOCK_TAGS:
            self._break()
        if tag not in VOID_TAGS:
            self._pop_to(tag)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        if self.in_h1:
            self.h1_parts.append(data)
        if self.drop:
            return
        if self.comment:
            self.com[-1].append(data)
            return
        self.all[-1].append(data)
        if self.article:
            self.art[-1].append(data)


def _join(paras: list[list[str]]) -> str:
    out = []
    for p in paras:
        s = _SPACES.sub(" ", "".join(p)).strip()
        if s:
            out.append(s)
    return "\n\n".join(out)


def html_to_text(html: str) -> HtmlText:
    """Return the article text, the comment-section text and the title of an HTML page.

    Parameters
    ----------
    html
        The decoded page. Malformed markup is tolerated; nothing is fetched.

    Returns
    -------
    HtmlText
        ``body``: paragraphs separated by blank lines, whitespace collapsed, entities
        decoded; the ``<article>``/``<main>`` text when the page has a substantial one, else
        all kept text. ``comments``: text inside comment sections. ``title``: the first
        ``<h1>``, else ``og:title``, else ``<title>``.
    """
    try:
        parser = _Extractor()
        parser.feed(html)
        parser.close()
    except AssertionError:
        # html.parser asserts on marked sections it does not know ("<![foo"); show them as text.
        parser = _Extractor()
        parser.feed(html.replace("<![", "&lt;!["))
        parser.close()
    body_all = _join(parser.all)
    body_art = _join(parser.art)
    body = body_art if parser.seen_article and len(body_art) >= 0.3 * len(body_all) else body_all
    title = None
    for cand in (parser.h1_parts, [parser.og_title or ""], parser.title_parts):
        text = _SPACES.sub(" ", "".join(cand)).strip()
        if text:
            title = text
            break
    meta = tuple(sorted(parser.meta.items()))
    return HtmlText(body=body, comments=_join(parser.com), title=title, meta=meta)
