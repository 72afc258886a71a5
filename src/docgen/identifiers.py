"""Check-character algorithms for the identifiers that name a party.

A mistyped code on a penalty decision names the wrong party, so codes are
checked before anything is issued. Each ``*_problem`` function returns the
reason in Chinese (for the case handler) or ``None`` when the code is valid;
``*_valid`` is its boolean form. Pure functions: the only outside input is
"today", which can be passed in.
"""
from __future__ import annotations

from datetime import date

# GB 32100-2015 统一社会信用代码 ------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门码. The 2015 table had 1, 5, 9, Y; the codes assigned since (2 外交,
# 3 司法行政, 4 文化, 6 旅游, 7 宗教, 8 工会, A 军队, N 农业) are on real
# certificates (律师事务所 31…, 工会 81…), so they are accepted too.
USCC_REGISTRARS = "123456789ANY"


def uscc_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码: 31 − (Σ value × weight mod 31), 31 → 0."""
    if len(first17) != 17 or any(char not in USCC_CHARSET for char in first17):
        raise ValueError(f"not 17 characters of the USCC charset: {first17!r}")
    total = sum(USCC_CHARSET.index(char) * weight for char, weight in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码, or ``None`` if it is."""
    if len(code) != 18:
        return f"长度应为 18 位，实为 {len(code)} 位"
    bad = next((char for char in code if char not in USCC_CHARSET), None)
    if bad is not None:
        hint = "（字母须大写）" if bad.upper() in USCC_CHARSET else ""
        return f"含有非法字符 {bad}{hint}"
    if code[0] not in USCC_REGISTRARS:
        return f"第 1 位登记管理部门代码 {code[0]} 不存在"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"校验码错误，应为 {expected}"
    return None


def uscc_valid(code: str) -> bool:
    return uscc_problem(code) is None


# GB 11643-1999 公民身份号码 -----------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_DIGITS = "0123456789"


def resident_id_check_digit(first17: str) -> str:
    """The 18th character of a 居民身份证号码: "10X98765432"[Σ digit × weight mod 11]."""
    if len(first17) != 17 or any(char not in _DIGITS for char in first17):
        raise ValueError(f"not 17 ASCII digits: {first17!r}")
    return _ID_CHECK[sum(int(char) * weight for char, weight in zip(first17, _ID_WEIGHTS)) % 11]


def _birth_date_problem(digits: str, today: date) -> str | None:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return f"出生日期 {digits} 不是有效日期"
    if born.year < 1900:
        return f"出生日期 {digits} 早于 1900 年"
    if born > today:
        return f"出生日期 {digits} 晚于今天"
    return None


def resident_id_problem(number: str, today: date | None = None) -> str | None:
    """Why ``number`` is not a valid 18-digit 居民身份证号码, or ``None`` if it is.

    A lowercase ``x`` is refused rather than folded: the case system is expected
    to send the normalised form, and the document must print what the ID card says.
    """
    if len(number) != 18:
        return f"长度应为 18 位，实为 {len(number)} 位"
    bad = next((char for char in number[:17] if char not in _DIGITS), None)
    if bad is not None:
        return f"前 17 位应为数字，含有 {bad}"
    if number[17] == "x":
        return "末位校验码 x 应为大写 X"
    if number[17] not in _ID_CHECK:
        return f"末位校验码应为数字或 X，实为 {number[17]}"
    birth = _birth_date_problem(number[6:14], today or date.today())
    if birth is not None:
        return birth
    expected = resident_id_check_digit(number[:17])
    if number[17] != expected:
        return f"校验码错误，应为 {expected}"
    return None


def resident_id_valid(number: str, today: date | None = None) -> bool:
    return resident_id_problem(number, today) is None
