"""What the public sees of a decision: per-field masks, officers' spans, and every other place a hidden value recurs.

Redaction works on the payload, never on the PDF: the public rendition is made
again from the redacted data, so a hidden value is nowhere in its text layer,
not merely painted over. Three sources of hidden values:

- **field rules** (agency profile ``publicity.redactions``, defaults in
  ``agency.DEFAULT_REDACTIONS``): ID numbers, phone numbers and bank accounts keep
  a few characters at each end, ＊ between; a natural person's address and other
  contacts are removed (＊＊＊);
- **spans** an officer marks in a free text (商业秘密, a third person's name),
  each with its reason; a span that is not in the field it names is refused;
- **recurrences**: a hidden value written again in any other string of the
  payload (the phone number repeated in 违法事实) is hidden there too, with the
  same mask, and listed under that field's pointer.

Every hidden value is listed as a ``Redaction``: its JSON pointer, what is
shown instead, the reason. The value itself is not; the signed manifest
(``manifest.py``) carries only a hash of it that only a holder of the original
can recompute.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from ..agency import RedactionRule
from ..errors import Issue, ValidationFailed
from ..jsontext import pointer, resolve, steps

MASK = "＊"
REMOVED = MASK * 3
MIN_RECURRENCE = 2  # a hidden value shorter than this is not searched for elsewhere (it would match anything)
FIELD, SPAN, RECURRENCE = "field", "span", "recurrence"


@dataclass(frozen=True)
class Span:
    """An officer's mark: ``text`` inside the string at ``pointer`` is hidden, for ``reason``."""

    pointer: str
    text: str
    reason: str


@dataclass(frozen=True)
class Redaction:
    """One hidden value at one place: the value stays private, the rest is published."""

    pointer: str
    value: str
    shown: str
    reason: str
    kind: str
    """``field`` (a rule hid the whole field), ``span`` (an officer's mark) or ``recurrence``."""


@dataclass(frozen=True)
class Redacted:
    data: Any
    redactions: tuple[Redaction, ...]


def mask(value: str, rule: RedactionRule) -> str:
    """``keep_ends``: the first and last characters the rule keeps, ＊ for the rest (all ＊ when that would
    leave fewer than two hidden); ``remove``: ＊＊＊, whatever the length, so the length is not told either."""
    if rule.mask == "remove":
        return REMOVED
    hidden = len(value) - rule.keep_start - rule.keep_end
    if hidden < 2:
        return MASK * max(len(value), 3)
    return value[:rule.keep_start] + MASK * hidden + (value[len(value) - rule.keep_end:] if rule.keep_end else "")


def strings(document: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    """(pointer, text) of every string in the payload, in document order."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from strings(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from strings(value, (*path, index))
    elif isinstance(document, str):
        yield pointer(path), document


def matches(rule_pointer: str, field_pointer: str) -> bool:
    """Whether a rule's pointer (``*`` for any array index) names this field."""
    want, have = steps(rule_pointer), steps(field_pointer)
    return len(want) == len(have) and all(w == h or (w == "*" and h.isdigit()) for w, h in zip(want, have))


def redact(data: Any, rules: Sequence[RedactionRule], spans: Sequence[Span] = ()) -> Redacted:
    """The payload as published and the list of what was hidden where (see the module docstring).

    Raises ``ValidationFailed`` naming ``/spans/<n>`` for a span that is not in its field.
    """
    party_kind = data.get("party", {}).get("kind") if isinstance(data.get("party"), dict) else None
    issues = []
    for n, span in enumerate(spans):
        try:
            target = resolve(data, span.pointer)
        except (KeyError, ValueError):
            issues.append(Issue(f"/spans/{n}/pointer", f"文书中没有字段 {span.pointer}"))
            continue
        if not isinstance(target, str) or not span.text or span.text not in target:
            issues.append(Issue(f"/spans/{n}/text", f"字段 {span.pointer} 中没有要隐去的文字“{span.text}”"))
        elif not span.reason.strip():
            issues.append(Issue(f"/spans/{n}/reason", "隐去文书内容须写明理由（如：商业秘密）"))
    if issues:
        raise ValidationFailed(issues)
    hidden: dict[str, tuple[str, str]] = {}  # value → (shown, reason), first rule or span wins
    whole: dict[str, Redaction] = {}  # pointer → the field rule hiding it entirely
    for at, text in strings(data):
        rule = next((r for r in rules if matches(r.pointer, at) and r.when_party in (None, party_kind)), None)
        if rule is not None and text:
            shown = mask(text, rule)
            whole[at] = Redaction(at, text, shown, rule.reason, FIELD)
            hidden.setdefault(text, (shown, rule.reason))
    for span in spans:
        hidden.setdefault(span.text, (REMOVED, span.reason))
    public = copy.deepcopy(data)
    listed: list[Redaction] = []
    marked = {span.text for span in spans}
    order = sorted((v for v in hidden if len(v) >= MIN_RECURRENCE or v in marked), key=len, reverse=True)
    for at, text in strings(data):
        if at in whole:
            listed.append(whole[at])
            _put(public, at, whole[at].shown)
            continue
        changed = text
        for value in order:
            if value in changed:
                shown, reason = hidden[value]
                changed = changed.replace(value, shown)
                own = any(s.pointer == at and s.text == value for s in spans)
                listed.append(Redaction(at, value, shown, reason, SPAN if own else RECURRENCE))
        if changed != text:
            _put(public, at, changed)
    return Redacted(public, tuple(listed))


def _put(document: Any, at: str, value: str) -> None:
    path = steps(at)
    parent = resolve(document, pointer(path[:-1]))
    parent[int(path[-1]) if isinstance(parent, list) else path[-1]] = value
