"""Who claims what: attribution, coreference of claimants, and the status of a claim.

Wire copy attributes every claim: "X said", "according to X", "X, citing anonymous
sources, said". The claimant is X (never the outlet that printed it). Later sentences
shorten X ("the agency", "the ministry", "NIS"); :class:`ClaimantTracker` resolves those back
to the fullest earlier form in the same report. Imports: stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.extract import lexicon

_ACCORDING = re.compile(r"\baccording\s+to\s+(?P<c>[^,.;:“”\"]+)", re.I)
_SAY = re.compile(rf"\b(?:has\s+|have\s+|had\s+)?(?P<v>{lexicon.SAY_VERBS})\b", re.I)
_SAID_X = re.compile(
    r"[,”\"]\s*(?:said|says|according\s+to)\s+(?P<c>(?:the\s+)?[A-Z][\w’'.-]*(?:\s+[A-Z(][\w’'.()-]*){0,5})",
)
# Words a claimant phrase may contain besides capitalised words.
_CLAIMANT_WORDS = lexicon.INSTITUTION_WORDS | frozenset(
    [
        "the",
        "of",
        "and",
        "a",
        "one",
        "two",
        "three",
        "several",
        "some",
        "residents",
        "witnesses",
        "diplomats",
        "analysts",
        "sources",
        "source",
        "experts",
        "officials",
        "official",
        "observers",
        "monitors",
        "activists",
        "medics",
        "workers",
        "aid",
        "media",
        "agency",
        "group",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "commander",
        "western",
        "local",
        "regional",
        "government's",
        "military's",
        "state-run",
    ]
)
_PRONOUNS = frozenset({"it", "he", "she", "they", "we", "i", "this", "that", "which", "who"})
# A document standing for whoever issued it: "the mission said in a statement ... the
# statement said" is the mission again.
_DOCUMENT_NOUNS = frozenset({"statement", "release", "press release", "communique", "bulletin"})
_TRIM_TAIL = re.compile(r"\s+(?:seen|obtained|published|released|cited|quoted)\s+by\b.*$", re.I)
_TRIM_HEAD = re.compile(r"^(?:a|an)\s+(?:\w+\s+){0,2}?(?:by|from|of)\s+", re.I)
_TOKEN = re.compile(r"\([A-Z]{2,}\)|[\w’'.-]+")


@dataclass(frozen=True, slots=True)
class Attribution:
    """The claimant of a sentence and how it was attributed."""

    claimant: str
    verb: str
    anonymous: bool
    start: int  # offset of the claimant phrase in the sentence
    end: int


_LEADING_STOP = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "on",
        "in",
        "earlier",
        "later",
        "also",
        "meanwhile",
        "however",
        "additionally",
        "but",
        "separately",
        "yesterday",
        "today",
        "while",
        "after",
        "before",
        "when",
        "since",
        "as",
        "if",
    ]
)
_VERB_ADVERBS = frozenset(
    [
        "also",
        "reportedly",
        "previously",
        "earlier",
        "later",
        "separately",
        "further",
        "again",
        "then",
        "had",
        "has",
        "have",
        "would",
        "will",
        "publicly",
        "officially",
        "repeatedly",
        "first",
        "once",
        "initially",
        "already",
        "recently",
    ]
)


def _scan_back(seg: str) -> tuple[int, int] | None:
    """Return the span in ``seg`` of the claimant phrase that ends it (None: none)."""
    short = re.fullmatch(r"\s*((?:the|its|their|an?)\s+[\w’'-]+(?:\s+[\w’'-]+){0,2})\s*", seg, re.I)
    if short and not re.search(r"\b(?:that|who|which|it|they)\b", short.group(1)):
        # ", the department said"; "The Kremlin had earlier dismissed": the adverbs before
        # the verb are not part of the claimant (the article and one noun always stay).
        words = list(re.finditer(r"[\w’'-]+", short.group(1)))
        while len(words) > 2 and words[-1].group().lower() in _VERB_ADVERBS:
            words.pop()
        return short.start(1), short.start(1) + words[-1].end()
    toks = list(_TOKEN.finditer(seg))
    end = len(toks)
    while end > 0 and toks[end - 1].group().lower() in _VERB_ADVERBS:
        end -= 1
    keep = end
    k = end - 1
    while k >= 0:
        w = toks[k].group()
        wl = w.lower().rstrip("’'").removesuffix("’s").removesuffix("'s")
        if wl in _LEADING_STOP and w.lower() not in ("the",):
            break
        if w[:1].isupper() or w.startswith("(") or wl in _CLAIMANT_WORDS:
            keep = k
            k -= 1
            continue
        # "Ukraine's military intelligence directorate": lower-case words after an owner.
        owner = next(
            (
                j
                for j in range(k - 1, max(-1, k - 5), -1)
                if toks[j].group()[:1].isupper() and toks[j].group().endswith(("'s", "’s"))
            ),
            None,
        )
        if owner is not None:
            keep = owner
            k = owner - 1
            continue
        break
    if keep >= end:
        return None
    while keep < end and toks[keep].group().lower() in {"and", "of", "that", "then", "the"}:
        if toks[keep].group().lower() == "the" and keep + 1 < end:
            break
        keep += 1
    return (toks[keep].start(), toks[end - 1].end()) if keep < end else None


# A time between the claimant and its verb: "China's defence ministry on Friday denied".
_TIME_TAIL = re.compile(
    r"\s+(?:(?:late|early)\s+)?(?:on\s+(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
    r"|\d{1,2}\s+[A-Z][a-z]+|[A-Z][a-z]+\s+\d{1,2})|yesterday|today"
    r"|(?:earlier|later)\s+this\s+(?:week|month)|there|locally)$"  # "residents there said"
)


def _noun_phrase_before(sentence: str, pos: int) -> tuple[str, int]:
    """Return the claimant noun phrase that ends right before ``pos`` (the saying verb)."""
    head = sentence[:pos].rstrip()
    head = head[: m.start()] if (m := _TIME_TAIL.search(head)) else head
    cut = max(head.rfind(c) for c in (",", "”", '"', ";", ":", "“", "—", "–", " - "))
    if cut >= 0 and head[cut : cut + 3] == " - ":
        cut += 2  # the segment starts after the spaced hyphen
    seg_start = cut + 1 if cut >= 0 else 0
    seg = head[seg_start:]
    a = _scan_back(seg)
    if a is None and cut >= 0 and head.endswith(","):
        # "John Kirby, the White House adviser, told ..." / "The head of X, Kyrylo Budanov, said"
        inner = head[:-1]
        c2 = max(inner.rfind(c) for c in (",", "”", '"', ";", ":", "“"))
        chunk = inner[c2 + 1 :]
        appositive = re.match(r"\s*(?:the\s|a\s|an\s|[a-z])", chunk) and len(chunk.split()) <= 12
        b = (0, len(chunk)) if appositive else _scan_back(chunk)
        if b is None:
            return "", pos
        start = c2 + 1 + b[0]
        if appositive and c2 >= 0:
            # prepend the name the appositive describes
            c3 = max(inner[:c2].rfind(c) for c in (",", "”", '"', ";", ":", "“"))
            d = _scan_back(inner[c3 + 1 : c2])
            if d is not None:
                start = c3 + 1 + d[0]
        return inner[start:].strip(), start
    if a is None:
        return "", pos
    start = seg_start + a[0]
    return head[start : seg_start + a[1]].strip(), start


def according_spans(sentence: str) -> list[tuple[int, int]]:
    """Return the spans of every "according to X" source named in ``sentence``."""
    return [(m.start("c"), m.end("c")) for m in _ACCORDING.finditer(sentence)]


# An official who orders or approves a deployment is its source: a title, then a name.
_ORDERED_BY = re.compile(
    r"(?:^|[-–—]\s+)(?P<c>(?:[A-Z][\w’'.-]*\s+){0,2}(?:President|Prime\s+Minister|"
    r"(?:Defen[cs]e\s+)?Minister|King|Emir|Chancellor|General|Commander)"
    r"(?:\s+[A-Z][\w’'.-]*){1,4})\s+(?:(?:on|late\s+on|early\s+on)\s+[A-Z]\w+\s+)?"
    r"(?:ordered|approved|decided|authorised|authorized)\b"
)


# Evidence that speaks for itself: "satellite images show", "videos posted on Telegram
# show", "footage geolocated by analysts appears to show".
_SHOWN_BY = re.compile(
    r"(?P<c>(?:(?:commercial|new|recent|geolocated|verified)\s+)?(?:satellite\s+(?:images?|"
    r"imagery|photos?|pictures)|imagery|footage|videos?|photos?|photographs|pictures|images)"
    r"(?:\s+(?:posted|published|released|shared|reviewed|geolocated|verified|obtained|taken)"
    r"\s+(?:on|by|from)\s+[^,.;]{1,60}?)?)\s+(?:appears?\s+to\s+|appeared\s+to\s+|"
    r"seems?\s+to\s+|seemed\s+to\s+)?(?:show|shows|showed|suggest|suggests|suggested|"
    r"indicate|indicates|indicated)\b",
    re.I,
)
# What is left of "footage published on December 8" once its time is cut (_TIME_TAIL).
_POSTED_TAIL = re.compile(r"\s+(?:posted|published|released|shared|taken)$", re.I)


def find_attribution(sentence: str) -> Attribution | None:
    """Return who a sentence attributes its claim to, or ``None``.

    Examples
    --------
    >>> find_attribution("Troops moved, the agency said on Friday.").claimant
    'the agency'
    >>> find_attribution("About 10,000 troops are there, according to Indian officials.").claimant
    'Indian officials'
    """
    anonymous = bool(lexicon.ANON_RE.search(sentence))
    according: Attribution | None = None
    m = _ACCORDING.search(sentence)
    if m:
        c = _TRIM_HEAD.sub("", _TRIM_TAIL.sub("", m.group("c").strip()))
        c = re.split(r"\s+(?:who|which|that)\s+", c)[0]
        if c:
            according = Attribution(c, "according to", anonymous, m.start("c"), m.end("c"))
    said: Attribution | None = None
    for m in _SAY.finditer(sentence):
        if m.group("v")[:1].isupper():
            continue  # "the United States", "Says" in a headline
        if re.search(r"(?i)\b(?:a|an|the|no)\s+$", sentence[: m.start()]):
            continue  # "made a confirmed advance": an adjective, not a saying verb
        phrase, a = _noun_phrase_before(sentence, m.start())
        if phrase:
            said = Attribution(phrase, m.group("v").lower(), anonymous, a, a + len(phrase))
            break
    if said is None:
        m = _SAID_X.search(sentence)
        if m:
            said = Attribution(m.group("c"), "said", anonymous, m.start("c"), m.end("c"))
    if said is None and according is None:
        m = _ORDERED_BY.search(sentence)
        if m:  # "President X on Thursday ordered 5,600 troops to ...": the order's author
            said = Attribution(m.group("c"), "ordered", anonymous, m.start("c"), m.end("c"))
    if said is None and according is None:
        m = _SHOWN_BY.search(sentence)
        if m:
            # "videos posted by residents on Monday", "footage published on December 8"
            c = _POSTED_TAIL.sub("", _TIME_TAIL.sub("", m.group("c")))
            said = Attribution(c, "shows", anonymous, m.start("c"), m.start("c") + len(c))
    # "NIS said ..., according to an AFP dispatch": the first attribution is the claimant.
    if said is not None and (according is None or said.start < according.start):
        return said
    return according


_OWN_CLAUSE = re.compile(
    r",\s+(?:saying|adding|insisting|and\s+said|and\s+added)\s+(?:that\s+)?(?P<rest>[^;]*)",
    re.I,
)
_OWN_SIDE = re.compile(r"\b(?:its|our|their\s+own|we|us)\b", re.I)
_NEGATION = re.compile(r"\b(?:no|not|never|none|nor)\b|n['’]t\b", re.I)


# Where a sentence may carry a second claim by another source: "X moved into Y, Ankara
# said, while Iraqi officials denied ..."; "..., but images published by Z showed ...".
_CLAUSE_BREAK = re.compile(r",\s+(?:while|whereas|but)\s+|;\s+")


def claim_split(sentence: str) -> int | None:
    """Return where a second claim by another claimant starts in ``sentence``, or ``None``.

    The sentence splits at ", while", ", whereas", ", but" or ";" only when both parts are
    attributed and to different claimants, so each part keeps its own claimant and status.

    Examples
    --------
    >>> s = "Troops entered Duhok, Ankara said, while Iraqi officials denied they reached Zakho."
    >>> s[claim_split(s):]
    'Iraqi officials denied they reached Zakho.'
    """
    for m in _CLAUSE_BREAK.finditer(sentence):
        left, right = find_attribution(sentence[: m.start()]), find_attribution(sentence[m.end() :])
        if left is not None and right is not None and left.claimant != right.claimant:
            return m.end()
    return None


def own_claim_start(sentence: str) -> int | None:
    """Offset where a denial's own counter-claim starts, or ``None``.

    "The army denied the claim, saying its troops remained in control": what follows
    "saying" is the denying side's own claim about its forces, not a denial. A clause that
    is itself negative ("saying it has no troops there") stays part of the denial.
    """
    d = lexicon.DENY_RE.search(sentence)
    if d is None:
        return None
    m = _OWN_CLAUSE.search(sentence, d.end())
    if m is None or not _OWN_SIDE.search(m.group("rest")) or _NEGATION.search(m.group("rest")):
        return None
    return m.start("rest")


def trim_claimant(phrase: str) -> str:
    """Drop a trailing scene from a claimant ("X, speaking at a ceremony in Y" -> "X")."""
    return re.split(
        r",\s+(?:speaking|writing|in\s+an?\b|at\s+an?\b|during\b|who\b|from\b)", phrase, maxsplit=1
    )[0].strip()


def _strip_det(s: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", s).strip()


class ClaimantTracker:
    """Resolve shortened claimants ("the agency", "NIS", "it") to earlier full forms."""

    def __init__(self) -> None:
        self._seen: list[str] = []

    def resolve(self, claimant: str) -> str:
        """Return the fullest earlier form of ``claimant`` and remember it.

        Parameters
        ----------
        claimant
            The phrase as written in the sentence.

        Returns
        -------
        str
            The claimant without a leading article; a short form is replaced by the most
            recent earlier claimant that contains its head noun or defines it as an acronym.
        """
        c = _strip_det(trim_claimant(claimant))
        low = c.lower()
        resolved: str | None = None
        if low in _PRONOUNS or (low in _DOCUMENT_NOUNS and claimant[:1].islower()):
            resolved = self._seen[-1] if self._seen else None
        elif re.fullmatch(r"[A-Z][a-z’'-]+", c):  # a surname: "Budanov" -> "Kyrylo Budanov"
            for prev in reversed(self._seen):
                if re.search(rf"\b{re.escape(c)}\b", prev) and prev != c:
                    resolved = prev
                    break
        elif re.fullmatch(r"[A-Z]{2,6}", c):
            for prev in reversed(self._seen):
                if f"({c})" in prev or _initials(prev) == c:
                    resolved = prev
                    break
        elif claimant[:1].islower() or claimant.startswith("The ") or low.startswith("one of"):
            head = low.split()[-1] if low.split() else ""
            for prev in reversed(self._seen):
                if head and re.search(rf"\b{re.escape(head)}", prev.lower()) and prev != c:
                    resolved = prev
                    break
        if resolved is None:
            resolved = c
        if resolved and (not self._seen or self._seen[-1] != resolved):
            self._seen.append(resolved)
        return resolved


def _initials(phrase: str) -> str:
    return "".join(w[0] for w in phrase.split() if w[:1].isupper())


# A source saying that no forces were sent: "the ministry said no combat troops had been
# sent to Somalia" is a denial, though no denying verb is used.
_NO_FORCES = re.compile(
    r"\b(?:said|says|stated|insisted|added)\b[^.;]*?\bno\s+(?:[\w-]+\s+){0,3}?"
    r"(?:troops|soldiers|forces|units|personnel|servicemen)\s+(?:had|have|has|were|was|would|will)\b",
    re.I,
)


def sentence_status(sentence: str) -> str | None:
    """Return the status the wording gives a sentence's own claim, or ``None`` (claimed)."""
    if lexicon.UNCONFIRMED_RE.search(sentence):
        return "unconfirmed"
    if lexicon.DENY_RE.search(sentence) or _NO_FORCES.search(sentence):
        return "denied"
    return None
