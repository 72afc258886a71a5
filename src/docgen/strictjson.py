"""JSON from outside (a chain manifest inside a PDF, an uploaded trust bundle), read defensively.

``json.loads`` alone lets three kinds of input through that break later, far
from the reader, as a 500 instead of a verification failure: nesting deep
enough to exhaust the interpreter's recursion limit (a ``RecursionError``
from the parser, or from any later code that walks the value), strings with
lone surrogates (``"\\ud800"`` parses, then cannot be encoded as UTF-8), and
numbers Python refuses to convert (more than 4300 digits) or that JSON does not
have (``NaN``, ``Infinity``). ``load`` turns all of them into one
``VerificationError`` naming what is wrong, and checks nesting with an explicit
stack so that no recursion depends on how deep the caller already is.
"""
from __future__ import annotations

import json
import re
from typing import Any

from .errors import VerificationError

#: Deeper than any docgen format nests (a trust bundle: 5 levels; a manifest: 4).
MAX_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"JSON 中不允许 {name}")


def load(data: bytes | str, what: str, *, max_depth: int = MAX_DEPTH,
         object_pairs_hook: Any = None) -> Any:
    """``data`` parsed as strict JSON (UTF-8, no NaN/Infinity, no lone surrogates, at most
    ``max_depth`` nested arrays/objects); any other input raises ``VerificationError``
    whose detail begins with ``what`` (``链条清单``, ``信任包``)."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VerificationError(f"{what}不是 UTF-8 编码的文本：{exc.reason}（第 {exc.start} 字节）") from None
    depth = _nesting(data)
    if depth > max_depth:
        raise VerificationError(f"{what}嵌套过深（超过 {max_depth} 层）")
    try:
        value = json.loads(data, parse_constant=_no_constant, object_pairs_hook=object_pairs_hook)
    except VerificationError:
        raise
    except RecursionError:  # not reached after _nesting; kept so that no RecursionError can escape
        raise VerificationError(f"{what}嵌套过深") from None
    except (ValueError, TypeError) as exc:
        raise VerificationError(f"{what}不是有效的 JSON：{exc}") from None
    _check_strings(value, what)
    return value


_TOKEN = re.compile(r'[\\"\[\]{}]')


def _nesting(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings, in one pass without recursion.

    Only the characters that matter (brackets, quotes, backslashes) are visited,
    so long strings cost a regular-expression scan, not a Python loop. Stops
    counting once far past any allowed depth.
    """
    depth = deepest = 0
    in_string = False
    skip_until = 0  # the character after a backslash inside a string is escaped
    for match in _TOKEN.finditer(text):
        position, char = match.start(), match.group()
        if position < skip_until:
            continue
        if in_string:
            if char == "\\":
                skip_until = position + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > 4 * MAX_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _check_strings(value: Any, what: str) -> None:
    """Every key and string value encodes as UTF-8 (no lone surrogates from ``\\udxxx`` escapes)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                _encodable(key, what)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            _encodable(item, what)


def _encodable(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise VerificationError(f"{what}含有无效的 Unicode 字符（单独的代理项 "
                                f"U+{ord(text[exc.start]):04X}）") from None
