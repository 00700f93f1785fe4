"""Text and JSON rendering of ``tracker show``: an event, its report, history and links."""

from __future__ import annotations

import json
from typing import Any

from tracker.model import EVENT_FIELDS, Event, Link, Report, Revision
from tracker.textsafe import clean_terminal

EVIDENCE_CONTEXT = 200


def _val(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    return "" if v is None else str(v)


def _report_excerpt(ev: Event, report: Report) -> str | None:
    s, e = ev.evidence_start, ev.evidence_end
    if s is None or e is None or e > len(report.text):
        return None
    a, b = max(0, s - EVIDENCE_CONTEXT), min(len(report.text), e + EVIDENCE_CONTEXT)
    return report.text[a:s] + "[[" + report.text[s:e] + "]]" + report.text[e:b]


def render_show(
    ev: Event,
    report: Report | None,
    hist: list[Revision],
    links: list[Link],
    fmt: str,
    *,
    happening: Any = None,
) -> str:
    """Return what ``tracker show`` prints (terminal-safe text, or JSON).

    ``happening`` (issue 8) is the linked happening: a dict for JSON, text lines otherwise.
    """
    if fmt == "json":
        doc = {
            "event": ev.to_dict(),
            "report": None
            if report is None
            else {k: getattr(report, k) for k in Report.__slots__ if k != "text"}
            | {"text_length": len(report.text)},
            "history": [
                {
                    "revision": r.revision,
                    "action": r.action,
                    "changed_at": r.changed_at,
                    "changed_by": r.changed_by,
                    "reason": r.reason,
                    "changes": [list(c) for c in r.changes],
                }
                for r in hist
            ],
            "links": [{k: getattr(lk, k) for k in Link.__slots__} for lk in links],
            "happening": happening,
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    d = ev.to_dict()
    width = max(len(k) for k in EVENT_FIELDS)
    lines = [f"event {ev.id}" + ("  [DELETED]" if ev.deleted else "")]
    for k in EVENT_FIELDS:
        if d.get(k) not in (None, "", []):
            lines.append(f"  {k.ljust(width)}  {_val(d[k])}")
    lines.append("")
    if report is None:
        lines.append("report: (not in this store)")
    else:
        lines.append(f"report {report.id}")
        for k in ("title", "publisher", "url", "published", "retrieved", "language"):
            v = getattr(report, k)
            if v:
                lines.append(f"  {k.ljust(width)}  {v}")
        lines.append(f"  {'text'.ljust(width)}  {len(report.text)} characters")
        excerpt = _report_excerpt(ev, report)
        if excerpt:
            lines.append("  evidence in context:")
            lines.append("    " + " ".join(excerpt.split()))
    lines.append("")
    lines.append(f"history ({len(hist)} revision(s)):")
    for r in hist:
        why = f" - {r.reason}" if r.reason else ""
        lines.append(f"  r{r.revision} {r.action} {r.changed_at} by {r.changed_by}{why}")
        for name, old, new in r.changes:
            lines.append(f"      {name}: {_val(old)!r} -> {_val(new)!r}")
    if links:
        lines.append("")
        lines.append(f"links ({len(links)}):")
        for lk in links:
            other = lk.event_b if lk.event_a == ev.id else lk.event_a
            state = "active" if lk.active else f"removed {lk.removed_at} ({lk.removed_reason})"
            lines.append(f"  {lk.id} -> {other}: {lk.reason} [{lk.method}; {state}]")
    if happening:
        lines.append("")
        lines.extend(happening)
    return clean_terminal("\n".join(lines))
