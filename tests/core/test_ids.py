"""Identifier rules: exact check digits and clear errors."""

from __future__ import annotations

import pytest

from renkei.core import ids
from renkei.core.errors import Invalid


@pytest.mark.parametrize("number", ["983205673214", "123456789018"])
def test_it_accepts_my_numbers_with_the_ministerial_check_digit(number: str) -> None:
    assert ids.validate_mynumber(number) == number


@pytest.mark.parametrize(
    ("number", "reason"),
    [("123456789012", "検査用数字"), ("12345678901", "12桁"), ("12345678901a", "12桁"), ("", "12桁")],
)
def test_it_rejects_malformed_my_numbers_naming_the_reason(number: str, reason: str) -> None:
    with pytest.raises(Invalid) as error:
        ids.validate_mynumber(number)
    assert reason in error.value.message
    assert error.value.field == "個人番号"


def test_every_single_digit_change_of_a_my_number_is_caught() -> None:
    valid = "983205673214"
    for position in range(12):
        for digit in "0123456789":
            if digit != valid[position]:
                changed = valid[:position] + digit + valid[position + 1 :]
                assert not ids.is_valid_mynumber(changed), changed


@pytest.mark.parametrize(
    ("code5", "code6"), [("13101", "131016"), ("13112", "131121"), ("01100", "011002"), ("13000", "130001")]
)
def test_lg_code_check_digits_match_the_published_examples(code5: str, code6: str) -> None:
    assert ids.validate_lg_code(code5) == code6
    assert ids.validate_lg_code(code6) == code6


def test_a_wrong_lg_check_digit_is_refused() -> None:
    with pytest.raises(Invalid, match="検査数字"):
        ids.validate_lg_code("131017")


def test_municipal_agency_codes_follow_the_observed_pattern() -> None:
    assert ids.municipality_agency_code("13112") == "0220113112101700"
    assert ids.municipality_agency_code("011002") == "0220101100201700"


def test_juminhyo_codes_carry_a_check_digit() -> None:
    body = "1234567890"
    code = body + str(ids.juminhyo_check_digit(body))
    assert ids.validate_juminhyo_code(code) == code
    wrong = body + str((int(code[-1]) + 1) % 10)
    with pytest.raises(Invalid):
        ids.validate_juminhyo_code(wrong)


@pytest.mark.parametrize(
    ("prefix", "good"),
    [
        ("TM", "TM00000000000002"),
        ("JM", "JM01000000121000"),
        ("JT", "JT01010000000214"),
        ("TK", "TK00000400000030"),
    ],
)
def test_business_codes_are_prefix_and_fourteen_digits(prefix: str, good: str) -> None:
    assert ids.validate_code(good, prefix) == good
    with pytest.raises(Invalid):
        ids.validate_code(good[:-1], prefix)
    with pytest.raises(Invalid):
        ids.validate_code("XX" + good[2:], prefix)


def test_atena_numbers_are_padded_to_fifteen_digits() -> None:
    assert ids.validate_atena("123") == "000000000000123"
    with pytest.raises(Invalid):
        ids.validate_atena("1234567890123456")
