from datetime import date

import pytest

from docgen.identifiers import (
    USCC_CHARSET,
    resident_id_check_digit,
    resident_id_problem,
    resident_id_valid,
    uscc_check_char,
    uscc_problem,
    uscc_valid,
)

# 统一社会信用代码 ---------------------------------------------------------------

REAL_USCC = [
    "91350100M000100Y43",  # the example in GB 32100-2015
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "92371000MA3MXH0E3W",  # a 个体工商户 (机构类别 2)
]


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_codes_are_valid(code: str) -> None:
    assert uscc_valid(code)
    assert uscc_problem(code) is None
    assert uscc_check_char(code[:17]) == code[17]


def test_uscc_check_char_by_hand() -> None:
    # 9·1 + 1·3 + 3·9 + 5·27 + 1·26 + M(21)·20 + 1·8 + Y(30)·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 − 28 = 3
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_uscc_check_char_31_becomes_0() -> None:
    # A weighted sum divisible by 31 gives 31 − 0 = 31, which the standard writes as 0.
    assert uscc_check_char("0" * 17) == "0"
    assert uscc_valid("1" + "0" * 17) is False  # 1·1 = 1 → 30 → Y
    assert uscc_check_char("1" + "0" * 16) == "Y"


def test_uscc_charset_has_31_characters_without_i_o_z_s_v() -> None:
    assert len(USCC_CHARSET) == 31
    assert not set("IOZSV") & set(USCC_CHARSET)


def test_uscc_wrong_check_char_names_the_right_one() -> None:
    assert uscc_problem("91350100M000100Y44") == "校验码错误，应为 3"
    assert not uscc_valid("91350100M000100Y44")


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_uscc_refuses_excluded_letters(letter: str) -> None:
    code = "91350100M000100" + letter + "43"
    assert uscc_problem(code) == f"含有非法字符 {letter}"


def test_uscc_lowercase_is_refused_with_a_hint() -> None:
    assert uscc_problem("91350100m000100Y43") == "含有非法字符 m（字母须大写）"


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_uscc_length(code: str) -> None:
    assert uscc_problem(code) == f"长度应为 18 位，实为 {len(code)} 位"


def test_uscc_registration_department_code() -> None:
    first17 = "B1350100M000100Y4"
    code = first17 + uscc_check_char(first17)
    assert uscc_problem(code) == "第 1 位登记管理部门代码 B 不存在"
    # 3 司法行政 (律师事务所) and N 农业 are assigned after the 2015 table and must pass.
    for registrar in "3N":
        first17 = registrar + "1350100M000100Y4"
        assert uscc_valid(first17 + uscc_check_char(first17))


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100I4")
    with pytest.raises(ValueError):
        uscc_check_char("9135")


# 居民身份证号码 -----------------------------------------------------------------

TODAY = date(2026, 3, 5)


def test_standard_example_is_valid() -> None:
    # GB 11643-1999 example; Σ = 167, 167 mod 11 = 2 → X
    assert resident_id_check_digit("11010519491231002") == "X"
    assert resident_id_valid("11010519491231002X", TODAY)


def test_computed_ids_round_trip() -> None:
    for first17 in ["43020219900101123", "43020220240229456", "11010119000101001"]:
        number = first17 + resident_id_check_digit(first17)
        assert resident_id_problem(number, TODAY) is None


def test_wrong_check_digit_names_the_right_one() -> None:
    assert resident_id_problem("110105194912310021", TODAY) == "校验码错误，应为 X"


def test_lowercase_x_is_refused() -> None:
    assert resident_id_problem("11010519491231002x", TODAY) == "末位校验码 x 应为大写 X"
    assert not resident_id_valid("11010519491231002x", TODAY)


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ("19990231", "出生日期 19990231 不是有效日期"),
        ("19991301", "出生日期 19991301 不是有效日期"),
        ("20230229", "出生日期 20230229 不是有效日期"),
        ("18991231", "出生日期 18991231 早于 1900 年"),
        ("20260306", "出生日期 20260306 晚于今天"),
    ],
)
def test_birth_date_must_be_real(birth: str, reason: str) -> None:
    first17 = "430202" + birth + "123"
    number = first17 + resident_id_check_digit(first17)
    assert resident_id_problem(number, TODAY) == reason


def test_born_today_and_leap_day_are_fine() -> None:
    for birth in ["20260305", "20000229"]:
        first17 = "430202" + birth + "123"
        assert resident_id_valid(first17 + resident_id_check_digit(first17), TODAY)


def test_resident_id_shape() -> None:
    assert resident_id_problem("430202900101123", TODAY) == "长度应为 18 位，实为 15 位"
    assert resident_id_problem("43020219900101A23X", TODAY) == "前 17 位应为数字，含有 A"
    assert resident_id_problem("４30202199001011230", TODAY) == "前 17 位应为数字，含有 ４"
    assert resident_id_problem("43020219900101123Y", TODAY) == "末位校验码应为数字或 X，实为 Y"


def test_resident_id_defaults_to_today() -> None:
    assert resident_id_valid("11010519491231002X")


def test_resident_id_check_digit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        resident_id_check_digit("1101051949123100X")
