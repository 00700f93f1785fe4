"""Toponym recognition: capitalised n-grams matched against the gazetteer, with cues.

The text is cut into word tokens; runs of capitalised tokens (allowing connectors such as
"of", "de", "upon") form *chunks*; inside each chunk the longest n-gram the gazetteer knows
(or a demonym, or a "<Name> County"-style feature name) becomes a mention. Cues from the
chunk and its neighbours then label each mention: person (titles, first names, surnames seen
elsewhere in the document), embedded in an organisation name ("New York Times"), government
metonym ("Moscow denied"), demonym, or place. Imports: stdlib, tracker.model, lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tracker.geoparse import lexicon, translit
from tracker.model import Place

MAX_NGRAM = 6
BLOCK_CHARS = 100_000
_TOKEN_RE = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_CONTRACTION = re.compile(r"(?:['’](?:s|ve|re|ll|d|m|t)|n['’]t)$", re.IGNORECASE)
_SENT_END = frozenset(".!?:;\n\"“”'‘’()[]—–|•*#")


@dataclass(slots=True)
class Token:
    """One word of the text with its offsets and capitalisation facts."""

    start: int
    end: int
    text: str
    cap: bool  # starts with an upper-case letter
    caps: bool  # all upper case (headline style); no information in its capital
    sent_start: bool  # first word of a sentence / line / quote (computed for capitals only)
    joined: bool = False  # separated from the previous token by one space or hyphen only


@dataclass(slots=True)
class Mention:
    """A recognised name before resolution (internal to the geoparser)."""

    start: int
    end: int
    text: str
    norm: str
    kind: str  # place | demonym | metonym | embedded | person | feature
    candidates: list[Place] = field(default_factory=list)
    demonym_of: Place | None = None
    first_tok: int = 0
    last_tok: int = 0
    weak: bool = False  # capital carries no information (sentence-initial / all caps)
    cues: set[str] = field(default_factory=set)
    prev_word: str = ""  # the lower-cased word before the mention
    in_run: bool = False  # part of a longer capitalised run (or a hyphenated compound)


def tokenize(text: str) -> list[Token]:
    """Split text into word tokens with capitalisation and sentence-start flags."""
    toks: list[Token] = []
    append = toks.append
    prev_end = 0
    n = len(text)
    for m in _TOKEN_RE.finditer(text):
        s, e = m.span()
        word = m.group()
        if "'" in word or "’" in word:
            cut = _CONTRACTION.search(word)
            if cut is not None and cut.start() > 0:
                e -= len(word) - cut.start()  # "Russia's" -> "Russia"; "I’ve" -> "I"
                word = word[: cut.start()]
        cap = word[0].isupper()
        # abbreviations with a full stop: "St. Cloud", "Ky.", "Mt."
        if e < n and text[e] == "." and len(word) <= 4 and word.lower() in _DOT_ABBREV:
            e += 1
            word = text[s:e]
        gap = text[prev_end:s]
        joined = gap == " " or gap == "-" or gap == ""
        if cap:
            if not toks:
                sent = True
            elif joined:
                sent = False
            else:
                stripped = gap.strip()
                sent = "\n" in gap or (
                    bool(stripped)
                    and any(c in _SENT_END for c in stripped)
                    and not _abbrev_dot(toks[-1].text, stripped)
                )
            caps = len(word) > 1 and word.isupper()
        else:
            sent = caps = False
        append(Token(s, e, word, cap, caps, sent, joined and bool(toks)))
        prev_end = e
    return toks


_EXPAND = {
    "st.": "Saint",
    "st": "Saint",
    "mt.": "Mount",
    "mt": "Mount",
    "ft.": "Fort",
    "ft": "Fort",
}
_DOT_ABBREV = frozenset(
    {"st", "mt", "ft", "pt", "jr", "sr", "dr", "mr", "mrs", "ms", "gen", "gov", "sen", "rep"}
    | set(lexicon.US_STATE_ABBREV)
)


def _abbrev_dot(last: str, gap: str) -> bool:
    """Whether a full stop in the gap merely ends an abbreviation (not a sentence)."""
    return gap == "." and (last.lower().rstrip(".") in _DOT_ABBREV or len(last) == 1)


Lookup = Callable[[str], list[Place]]
Demonym = Callable[[str], "Place | None"]


@dataclass(slots=True)
class Recognizer:
    """Find candidate toponyms in text using gazetteer lookups (injected callables).

    Parameters
    ----------
    lookup : callable
        ``normalized name -> list[Place]`` (exact-name candidates).
    demonym : callable
        ``word -> Place | None`` (the country of a demonym).
    normalize : callable
        The gazetteer's name normaliser.
    """

    lookup: Lookup
    demonym: Demonym
    normalize: Callable[[str], str]
    _norm_cache: dict[str, str] = field(default_factory=dict)

    def norm(self, s: str) -> str:
        """Normalise a surface string (cached)."""
        n = self._norm_cache.get(s)
        if n is None:
            if len(self._norm_cache) > 200_000:
                self._norm_cache.clear()
            n = self.normalize(s)
            self._norm_cache[s] = n
        return n

    def find(self, text: str) -> list[Mention]:
        """Return the mentions of ``text`` in order, labelled but not yet resolved.

        Long texts are read in blocks of about ``BLOCK_CHARS`` characters cut at a line
        break or space, so memory stays bounded (a 50 MB report is fine).
        """
        if len(text) <= BLOCK_CHARS:
            return self._find_block(text)
        out: list[Mention] = []
        start = 0
        while start < len(text):
            end = min(len(text), start + BLOCK_CHARS)
            if end < len(text):
                cut = text.rfind("\n", start + BLOCK_CHARS // 2, end)
                if cut < 0:
                    cut = text.rfind(" ", start + BLOCK_CHARS // 2, end)
                end = cut + 1 if cut >= 0 else end
            for m in self._find_block(text[start:end]):
                m.start += start
                m.end += start
                out.append(m)
            start = end
        return out

    def _find_block(self, text: str) -> list[Mention]:
        toks = tokenize(text)
        chunks = _chunks(toks, text)
        mentions: list[Mention] = []
        for a, b in chunks:
            mentions.extend(self._match_chunk(text, toks, a, b))
        _label(toks, chunks, mentions, text)
        return mentions

    def _match_chunk(self, text: str, toks: Sequence[Token], a: int, b: int) -> list[Mention]:
        out: list[Mention] = []
        i = a
        while i < b:
            # A capitalised particle may start a name ("El Obeid", "La Paz", "Des Moines",
            # "The Hague"), never be one alone.
            particle = toks[i].text.lower() in lexicon.CONNECTORS
            inner = i > a and _article_link(text, toks, i - 1)  # "Zor" of "Deir ez-Zor"
            if not toks[i].cap or (particle and i + 1 >= b) or inner:
                i += 1
                continue
            found = None
            shortest = i + 1 if particle else i  # a particle alone is no name
            for j in range(min(b, i + MAX_NGRAM) - 1, shortest - 1, -1):
                last = toks[j]
                if not last.cap or (j + 1 < b and _article_link(text, toks, j + 1)):
                    continue  # "Bab" of "Bab el-Mandeb" is no name
                m = self._try(text, toks, i, j)
                if m is not None:
                    found = m
                    break
            if i == a and (found is None or found.last_tok < b - 1 or found.kind != "place"):
                tol = self._tolerant(text, toks, a, b)
                if tol is not None:
                    found = tol
            if found is None:
                i += 1
                continue
            if found.last_tok == b - 1 and found.kind == "place":
                found = self._admin_suffix(text, toks, found)
            out.append(found)
            i = found.last_tok + 1
        return out

    def _tolerant(self, text: str, toks: Sequence[Token], a: int, b: int) -> Mention | None:
        """Match a short unknown run under another transliteration ("Tal Rifaat").

        Only when the text strongly signals a place: a preposition before a run of two or
        three words or an article-prefixed word ("in", "near", "from"...), or a ", <Country>"
        after it. An article joined by a hyphen before the run ("al-Khadim") is part of the
        name.
        """
        if b - a > 3:
            return None
        common = lexicon.common_words()
        for k in range(a, b):
            t = toks[k]
            low = t.text.lower()
            if _article_link(text, toks, k):
                continue  # "Maarat al-Numan"
            if (
                not t.cap
                or t.caps
                or low in common
                or low in lexicon.FIRST_NAMES
                or low in lexicon.CAP_STOP
                or low in lexicon.TITLES
                or low in lexicon.CONNECTORS
            ):
                return None
        s = toks[a].start
        k = a - 1
        if k >= 0 and toks[k].text.lower() in translit.ARTICLES and text[toks[k].end : s] == "-":
            s = toks[k].start
            k -= 1
        prev = toks[k].text.lower() if k >= 0 else ""
        # a lone word after "in"/"from" is as often a person ("talks with Peres"): it needs
        # an article ("al-Bab") or the ", Country" pattern
        signal = prev in lexicon.STRONG_PREPOSITIONS and (b - a > 1 or s < toks[a].start)
        if not signal and b < len(toks) and text[toks[b - 1].end : toks[b].start] == ", ":
            nxt = self.lookup(self.norm(toks[b].text))
            signal = any(c.kind == "country" for c in nxt)
        if not signal:
            return None
        e = toks[b - 1].end
        surface = text[s:e]
        norm = self.norm(surface)
        for alt in translit.variants(norm):
            cands = [c for c in self.lookup(alt) if c.kind in ("city", "admin1")]
            if cands:
                m = Mention(s, e, surface, norm, "place", cands, None, a, b - 1, False)
                m.cues.add("tolerant")
                return m
        return None

    def _admin_suffix(self, text: str, toks: Sequence[Token], m: Mention) -> Mention:
        """Extend "Kursk" to "Kursk region" / "Kursk oblast" when the gazetteer has the region.

        Group words ("states", "countries") extend only to a macro region ("Gulf states").
        """
        k = m.last_tok + 1
        if k >= len(toks) or not toks[k].joined or toks[k].cap:
            return m
        word = toks[k].text.lower()
        if word in lexicon.ADMIN_HEADS:
            kinds = _MAJOR
        elif word in lexicon.GROUP_HEADS:  # "the Gulf states", "the Baltic countries"
            kinds = frozenset({"macro_region"})
        else:
            return m
        surface = text[m.start : toks[k].end]
        norm = self.norm(surface)
        regions = [c for c in self.lookup(norm) if c.kind in kinds]
        if not regions:
            return m
        return Mention(m.start, toks[k].end, surface, norm, "place", regions, None, m.first_tok, k)

    def _try(self, text: str, toks: Sequence[Token], i: int, j: int) -> Mention | None:
        s, e = toks[i].start, toks[j].end
        surface = text[s:e]
        weak = (toks[i].sent_start or toks[i].caps) and i == j
        low = toks[i].text.lower().rstrip(".")
        if i == j and (low in lexicon.CAP_STOP or low in lexicon.TITLES):
            return None
        if i == j and len(surface) == 1:
            return None
        key = surface.rstrip(".").lower()
        if i == j and key in lexicon.US_STATE_ABBREV and surface.endswith("."):
            norm = self.norm(lexicon.US_STATE_ABBREV[key])
        else:
            norm = self.norm(surface)
        if not norm:
            return None
        cands = self.lookup(norm)
        if i == j and key in lexicon.US_STATE_ABBREV and surface.endswith("."):
            # "Ga.", "Ky.": only a US state is written so (not the country Georgia)
            cands = [c for c in cands if c.kind == "admin1" and c.country_code == "US"]
        if not cands and toks[i].text.lower() in _EXPAND and j > i:
            alt = _EXPAND[toks[i].text.lower()] + text[toks[i].end : e]
            cands = self.lookup(self.norm(alt))
        dem = None
        if j - i <= 1:
            dem = self.demonym(surface)
            if dem is None and surface.endswith("s") and len(surface) > 4:
                dem = self.demonym(surface[:-1])  # "Mexicans", "Americans"
        if i == j and _is_acronym(surface):
            # "CDC", "HIV", "TTC": only countries and regions are written as bare acronyms
            cands = [c for c in cands if c.kind in _MAJOR]
        if dem is not None and (
            any(c.id == dem.id for c in cands)  # "Buryat": an alias of Buryatia, used as adjective
            or not any(c.kind in ("country", "admin1") for c in cands)
        ):
            return Mention(s, e, surface, norm, "demonym", cands, dem, i, j, weak)
        if cands:
            return Mention(s, e, surface, norm, "place", list(cands), None, i, j, weak)
        if (
            j > i
            and toks[j].text.lower().rstrip(".") in _FEATURE_WORDS
            and not any(t.text.lower() in ("and", "&") for t in toks[i:j])
        ):
            # "Laurel County", "Red River": a feature name the gazetteer may lack
            head = text[s : toks[j - 1].end]
            # only a region may stand in ("Kasai Province" -> Kasai); a town that shares the
            # name of a county is usually not in it, so "Boone County" stays unresolved
            hw = toks[j].text.lower()
            admin = hw in lexicon.ADMIN_HEADS
            area = hw in lexicon.AREA_HEADS and j - i <= 2
            base = self.lookup(self.norm(head)) if toks[j - 1].cap and (admin or area) else []
            if not area:
                base = [c for c in base if c.kind in _MAJOR]
            m = Mention(s, e, surface, norm, "place", list(base), None, i, j, False)
            m.cues.add("feature")
            if area:
                m.cues.add("area")  # resolved only near the rest of the document
            return m
        return None


_MAJOR = frozenset({"country", "admin1", "continent", "macro_region"})
_FEATURE_WORDS = lexicon.FEATURE_HEADS | lexicon.STREET_HEADS


def _is_acronym(s: str) -> bool:
    """Whether a token is a bare upper-case acronym ("CDC"; not "U.S." nor "Paris")."""
    return 2 <= len(s) <= 5 and s.isalpha() and s.isupper()


def _chunks(toks: Sequence[Token], text: str) -> list[tuple[int, int]]:
    """Return [a, b) index ranges of capitalised runs (connectors allowed inside)."""
    out: list[tuple[int, int]] = []
    n = len(toks)
    i = 0
    while i < n:
        low = toks[i].text.lower()
        if not toks[i].cap or low in lexicon.FUNCTION_WORDS:
            i += 1
            continue
        j = i + 1
        while j < n:
            t = toks[j]
            if t.sent_start or not _adjacent(toks[j - 1], t):
                break
            if t.cap and t.text.lower().rstrip(".") in lexicon.TITLES and j > i:
                break  # "Fargo Mayor Dennis Walaker": the title starts a new chunk
            if t.cap:
                j += 1
                continue
            # lower-case connector followed by a capitalised word keeps the chunk going
            if (
                (t.text.lower() in lexicon.CONNECTORS or _article_link(text, toks, j))
                and j + 1 < n
                and toks[j + 1].cap
                and _adjacent(t, toks[j + 1])
            ):
                j += 2
                continue
            break
        out.append((i, j))
        i = j
    return out


def _adjacent(a: Token, b: Token) -> bool:
    """Whether two consecutive tokens are separated only by a space or a hyphen (same name)."""
    return b.joined


def _label(
    toks: Sequence[Token], chunks: Sequence[tuple[int, int]], mentions: list[Mention], text: str
) -> None:
    """Label mentions as person / embedded / metonym from chunk and document cues."""
    chunk_of: dict[int, tuple[int, int]] = {}
    for a, b in chunks:
        for k in range(a, b):
            chunk_of[k] = (a, b)
    covered = {k for m in mentions for k in range(m.first_tok, m.last_tok + 1)}
    common = lexicon.common_words()
    person_words: set[str] = set()
    # Pass 1: person chunks (first name + capitalised word, title + name) give surnames.
    for a, b in chunks:
        words = [t.text for t in toks[a:b]]
        lowers = [w.lower().rstrip(".") for w in words]
        starts_person = False
        if b - a >= 2 and lowers[0] in lexicon.FIRST_NAMES and lowers[1] not in lexicon.ORG_HEADS:
            starts_person = True
        if (
            a > 0
            and toks[a].joined
            and toks[a - 1].text.lower().rstrip(".") in lexicon.TITLES
            and not toks[a - 1].cap
        ):
            starts_person = True  # "president Obama" (not "...the president. CINCINNATI")
        if lowers[0] in lexicon.TITLES and b - a >= 2:
            starts_person = True
        if starts_person:
            # the name ends at a connector: "Joseph Welch of Richmond" -> Joseph, Welch
            cut = next((k for k, lw in enumerate(lowers) if lw in lexicon.CONNECTORS), len(lowers))
            words, lowers = words[:cut], lowers[:cut]
            tail = [w for w, lw in zip(words, lowers, strict=True) if lw not in lexicon.TITLES]
            if tail and not any(lw in lexicon.ORG_HEADS for lw in lowers):
                person_words.update(w.lower() for w in tail)
    for m in mentions:
        a, b = chunk_of.get(m.first_tok, (m.first_tok, m.last_tok + 1))
        m.prev_word = toks[m.first_tok - 1].text.lower() if m.first_tok > 0 else ""
        m.in_run = (b - a) > (m.last_tok - m.first_tok + 1) or (
            m.first_tok == m.last_tok and _hyphenated(text, toks, m.first_tok)
        )
        if m.kind == "demonym":
            continue
        before = toks[a : m.first_tok]
        after = toks[m.last_tok + 1 : b]
        before_l = [t.text.lower().rstrip(".") for t in before]
        after_l = [t.text.lower().rstrip(".") for t in after]
        prev_word = toks[a - 1].text.lower().rstrip(".") if a > 0 else ""
        # title right before the name: "President Lincoln", "Gov. Jackson"
        titled = (before_l and before_l[-1] in lexicon.TITLES) or (
            not before and prev_word in lexicon.TITLES and toks[m.first_tok].joined
        )
        if titled and not (after_l and after_l[0] == "of"):
            m.kind = "person"
            continue
        if any(w in lexicon.ORG_HEADS for w in after_l):
            m.kind = "embedded"
            continue
        if (
            before
            and not any(k in covered for k in range(a, m.first_tok))
            and not any(w in lexicon.DESCRIPTORS or w in lexicon.CONNECTORS for w in before_l)
            and (before_l[0] in lexicon.FIRST_NAMES or not after)
            # "Former US", "Historic Dublin", "United Georgia": common words, not names
            and (before_l[0] in lexicon.FIRST_NAMES or not all(w in common for w in before_l))
        ):
            m.kind = "person"  # capitalised, unrecognised words before: "Chiquita Raquel Henry"
            person_words.add(m.text.lower())
            continue
        if after and not any(k in covered for k in range(m.last_tok + 1, b)):
            first = m.text.split()[0].lower()
            if first in lexicon.FIRST_NAMES and m.first_tok == m.last_tok:
                m.kind = "person"  # "Paris Hilton", "Jordan Smith"
                continue
            if after_l[0] not in lexicon.CONNECTORS:
                m.kind = "embedded"  # "Mississippi State", "Alexandria Blizzard"
                continue
        # government metonym: "Moscow said", "Pyongyang has decided"
        k = m.last_tok + 1
        if k < len(toks) and toks[k].start - m.end <= 2:
            w = toks[k].text.lower()
            if w in lexicon.AUXILIARIES and k + 1 < len(toks):
                w = toks[k + 1].text.lower()
            if w in lexicon.SPEECH_VERBS:
                m.cues.add("speech")
    for m in mentions:
        if (
            m.kind == "place"
            and m.first_tok == m.last_tok
            and m.text.lower() in person_words
            and not any(_prominent(c) for c in m.candidates)
        ):
            m.kind = "person"  # surname seen in a person's full name elsewhere


def _prominent(p: Place) -> bool:
    """Whether a place is too prominent to be taken for a surname (a country, a big region)."""
    return p.kind in ("country", "continent") or (p.kind in _MAJOR and p.population >= 1_000_000)


def _article_link(text: str, toks: Sequence[Token], k: int) -> bool:
    """Whether token k is a lower-case article hyphened to a capitalised word ("ez-Zor").

    Inside a run it joins the words around it into one name ("Deir ez-Zor", "Bab
    el-Mandeb"), whose parts are never names on their own.
    """
    t = toks[k]
    return (
        not t.cap
        and t.text in translit.ARTICLES
        and k + 1 < len(toks)
        and toks[k + 1].cap
        and text[t.end : toks[k + 1].start] == "-"
    )


def _hyphenated(text: str, toks: Sequence[Token], k: int) -> bool:
    """Whether token k is joined to a neighbour by a hyphen ("Wal-Mart")."""
    t = toks[k]
    return (t.end < len(text) and text[t.end] == "-") or (t.start > 0 and text[t.start - 1] == "-")
