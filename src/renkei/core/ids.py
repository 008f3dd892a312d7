"""Identifier rules with exact check digits: 個人番号, 住民票コード, 全国地方公共団体コード, 機関コード, TM/TK/JM/JT codes.

Every `validate_*` returns the normalised value or raises `Invalid` naming the field and the reason.
"""

from __future__ import annotations

import re
from operator import mul

from renkei.core.errors import Invalid

_DIGITS = re.compile(r"[0-9]+")


def _digits(value: str, length: int, field: str) -> str:
    value = value.strip()
    if len(value) != length or not _DIGITS.fullmatch(value):
        raise Invalid(f"{length}桁の半角数字ではありません: {value!r}", field=field)
    return value


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    """Σ digit × weight over ASCII digits (checked by `_digits`): on bytes, each digit is its code minus 48.

    Bulk 付番 computes two check digits per person; this is four times quicker than int() per character.
    """
    total: int = sum(map(mul, digits.encode("ascii"), weights))
    return total - 48 * sum(weights)


# --- 個人番号 (My Number) -------------------------------------------------------------------------
# 総務省令第八十五号 第五条: Pn is the n-th digit of the 11-digit body counted from the least significant
# digit (n = 1); Qn = n + 1 for 1 ≤ n ≤ 6 and n − 5 for 7 ≤ n ≤ 11; r = Σ Pn·Qn mod 11;
# check digit = 0 if r ≤ 1 else 11 − r.  Left to right the weights are 6,5,4,3,2,7,6,5,4,3,2.
_MYNUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def mynumber_check_digit(body: str) -> int:
    """Check digit of an 11-digit My Number body."""
    body = _digits(body, 11, "個人番号")
    r = _weighted_sum(body, _MYNUMBER_WEIGHTS) % 11
    return 0 if r <= 1 else 11 - r


def validate_mynumber(value: str, *, field: str = "個人番号") -> str:
    value = _digits(value, 12, field)
    if mynumber_check_digit(value[:11]) != int(value[11]):
        raise Invalid(f"検査用数字が一致しません: {value}", field=field)
    return value


def is_valid_mynumber(value: str) -> bool:
    try:
        validate_mynumber(value)
    except Invalid:
        return False
    return True


# --- 住民票コード ------------------------------------------------------------------------------------
# 11 digits = 10 random digits + 1 check digit (住民基本台帳法施行規則第1条). The official formula is not
# public; renkei uses modulus 11 with weights 2–7 repeating from the least significant digit
# (docs/decisions/0002-juminhyo-code-check-digit.md).
_JUMINHYO_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def juminhyo_check_digit(body: str) -> int:
    body = _digits(body, 10, "住民票コード")
    r = _weighted_sum(body, _JUMINHYO_WEIGHTS) % 11
    return 0 if r <= 1 else 11 - r


def validate_juminhyo_code(value: str, *, field: str = "住民票コード") -> str:
    value = _digits(value, 11, field)
    if juminhyo_check_digit(value[:10]) != int(value[10]):
        raise Invalid(f"検査数字が一致しません: {value}", field=field)
    return value


# --- 全国地方公共団体コード ----------------------------------------------------------------------------
# 5-digit code + 検査数字: Σ digit × (6,5,4,3,2) mod 11 = r; check = last digit of (11 − r)
# (r = 0 → 1, r = 1 → 0). 総務省「全国地方公共団体コード」仕様.
_LG_WEIGHTS = (6, 5, 4, 3, 2)


def lg_check_digit(code5: str) -> int:
    code5 = _digits(code5, 5, "地方公共団体コード")
    r = _weighted_sum(code5, _LG_WEIGHTS) % 11
    return (11 - r) % 10


def validate_lg_code(value: str, *, field: str = "地方公共団体コード") -> str:
    """Validate a 6-digit 全国地方公共団体コード (5 digits + check digit); 5-digit input gets its check digit."""
    value = value.strip()
    if len(value) == 5:
        value = _digits(value, 5, field)
        return value + str(lg_check_digit(value))
    value = _digits(value, 6, field)
    if lg_check_digit(value[:5]) != int(value[5]):
        raise Invalid(f"検査数字が一致しません: {value}", field=field)
    return value


def municipality_agency_code(lg_code: str) -> str:
    """16-digit 機関コード of a 市区町村: "02" + 種別 "201" + 団体コード(6) + "01700" (fidelity addendum §6)."""
    return "02201" + validate_lg_code(lg_code) + "01700"


def prefecture_agency_code(lg_code: str) -> str:
    return "02200" + validate_lg_code(lg_code) + "01700"


def validate_agency_code(value: str, *, field: str = "機関コード") -> str:
    return _digits(value, 16, field)


# --- Layout and business codes --------------------------------------------------------------------
_CODE_PREFIXES = {
    "TM": "特定個人情報名コード",
    "TK": "特定個人情報項目コード",
    "JM": "事務コード",
    "JT": "事務手続コード",
}
_CODE = re.compile(r"(TM|TK|JM|JT)[0-9]{14}")


def validate_code(value: str, prefix: str, *, field: str | None = None) -> str:
    """Validate a `TM`/`TK`/`JM`/`JT` + 14-digit code (16 characters in all)."""
    name = field or _CODE_PREFIXES[prefix]
    value = value.strip()
    if not _CODE.fullmatch(value) or not value.startswith(prefix):
        raise Invalid(f"{prefix}+14桁の形式ではありません: {value!r}", field=name)
    return value


def validate_tm(value: str, *, field: str = "特定個人情報名コード") -> str:
    return validate_code(value, "TM", field=field)


def validate_tk(value: str, *, field: str = "特定個人情報項目コード") -> str:
    return validate_code(value, "TK", field=field)


def validate_jm(value: str, *, field: str = "事務コード") -> str:
    return validate_code(value, "JM", field=field)


def validate_jt(value: str, *, field: str = "事務手続コード") -> str:
    return validate_code(value, "JT", field=field)


# --- 宛名番号 / 団体内統合宛名番号 ----------------------------------------------------------------------
ATENA_WIDTH = 15  # the 15-digit fields of the 中間サーバー interface files


def format_atena(number: int) -> str:
    return f"{number:0{ATENA_WIDTH}d}"


def validate_atena(value: str, *, field: str = "宛名番号") -> str:
    """Accept a 宛名番号 of up to 15 digits and return it zero-padded to 15, as the interface files carry it."""
    value = value.strip()
    if not value or len(value) > ATENA_WIDTH or not _DIGITS.fullmatch(value):
        raise Invalid(f"15桁以内の半角数字ではありません: {value!r}", field=field)
    return value.zfill(ATENA_WIDTH)
