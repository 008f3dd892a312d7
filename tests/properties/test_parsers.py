"""Proof by search: Hypothesis looks for inputs that make a parser crash, accept garbage or lose data.

Codes and check digits; 副本 CSV in both encodings; IF_DBM XML; OCSP requests; protocol messages. Each parser
must either return a value that round-trips or refuse with its own error (Invalid, Malformed, NoteError,
ValidationError) — never another exception.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from renkei.connectors.copies_csv import read_copies_csv, write_copies_csv
from renkei.connectors.if_dbm import read_if_dbm, write_if_dbm
from renkei.connectors.safe_xml import parse_document
from renkei.core import ids
from renkei.core.errors import Invalid
from renkei.intermediate.schemas import CopyInput
from renkei.jpki.ocsp import NONCE_MAX, NONCE_MIN, Malformed, parse_request
from renkei.protocol import messages

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
anything = st.text(max_size=40)


# -- codes and check digits -------------------------------------------------------------------------
@SETTINGS
@given(body=st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_a_my_number_validates_exactly_when_its_check_digit_is_the_computed_one(body: str) -> None:
    good = body + str(ids.mynumber_check_digit(body))
    assert ids.validate_mynumber(good) == good and ids.is_valid_mynumber(good)
    for wrong in set("0123456789") - {good[-1]}:
        assert not ids.is_valid_mynumber(body + wrong)
        with pytest.raises(Invalid):
            ids.validate_mynumber(body + wrong)


@SETTINGS
@given(value=anything)
def test_code_validators_refuse_anything_else_with_invalid_only(value: str) -> None:
    for validate in (
        ids.validate_mynumber,
        ids.validate_juminhyo_code,
        ids.validate_lg_code,
        ids.validate_agency_code,
        ids.validate_tm,
        ids.validate_tk,
        ids.validate_jm,
        ids.validate_jt,
        ids.validate_atena,
    ):
        try:
            accepted = validate(value)
        except Invalid:
            continue
        assert accepted.isascii(), (validate.__name__, value)  # full-width digits never pass


@SETTINGS
@given(body=st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_lg_codes_carry_their_check_digit(body: str) -> None:
    code = body + str(ids.lg_check_digit(body))
    if code == "000000":
        return
    try:
        assert ids.validate_lg_code(code) == code
    except Invalid:
        return  # a prefix outside 01–47 is refused as unknown, not crashed on
    for wrong in set("0123456789") - {code[-1]}:
        with pytest.raises(Invalid):
            ids.validate_lg_code(body + wrong)


@SETTINGS
@given(body=st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_juminhyo_codes_carry_their_check_digit(body: str) -> None:
    code = body + str(ids.juminhyo_check_digit(body))
    assert ids.validate_juminhyo_code(code) == code


# -- 副本 files --------------------------------------------------------------------------------------
cp932_text = st.text(
    alphabet=st.characters(codec="cp932", categories=("L", "N"), exclude_characters="#"),
    min_size=1,
    max_size=12,
)
TK = ["TK00000200000190", "TK00000200000200", "TK00000200000210"]


@st.composite
def copies(draw: Any) -> list[CopyInput]:
    out = []
    for n in range(draw(st.integers(min_value=1, max_value=5))):
        items = {tk: draw(st.one_of(st.none(), cp932_text)) for tk in TK}
        out.append(
            CopyInput(
                source="",
                record_id=f"R{n}",
                integrated_number=f"{draw(st.integers(min_value=1, max_value=10**15 - 1)):015d}",
                tm_code="TM00000000000002",
                dataset_no="0101",
                dataset_record_key=draw(st.from_regex(r"[0-9A-Z]{1,10}", fullmatch=True)),
                version="0002",
                published_from=draw(
                    st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
                ),
                items=items,
                null_reasons={k: "NoData" for k, v in items.items() if v is None},
            )
        )
    return out


def comparable(entry: CopyInput) -> dict[str, Any]:
    data = dataclasses.asdict(entry)
    data.pop("source")
    data["items"] = {k: v for k, v in data["items"].items() if v is not None}  # a null item: absent or None
    return data


@SETTINGS
@given(entries=copies(), encoding=st.sampled_from(["utf-8", "cp932"]))
def test_copy_csv_round_trips_in_both_encodings(entries: list[CopyInput], encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copies.csv"
        write_copies_csv(path, entries, item_codes=TK, encoding=encoding)
        read = list(read_copies_csv(path, encoding="auto"))
    assert not [r for r in read if isinstance(r, Invalid)], read
    assert [comparable(r) for r in read if isinstance(r, CopyInput)] == [comparable(e) for e in entries]


@SETTINGS
@given(entries=copies())
def test_if_dbm_xml_round_trips(entries: list[CopyInput]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        message, _attachment = write_if_dbm(Path(folder), entries, message_id="0001")
        read = list(read_if_dbm(message))
    assert not [r for r in read if isinstance(r, Invalid)], read
    assert [comparable(r) for r in read if isinstance(r, CopyInput)] == [comparable(e) for e in entries]


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_the_xml_parser_refuses_any_bytes_with_invalid_only(data: bytes) -> None:
    with contextlib.suppress(Invalid):
        parse_document(data, source="fuzz.xml")


@SETTINGS
@given(body=st.text(max_size=200), encoding=st.sampled_from(["utf-8", "cp932"]))
def test_copy_csv_refuses_arbitrary_text_line_by_line(body: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_bytes(body.encode(encoding, errors="replace"))
        for _row in read_copies_csv(path, encoding=encoding):
            pass  # each row is a CopyInput or an Invalid; nothing else escapes


# -- OCSP requests -------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.binary(max_size=400))
def test_ocsp_request_parser_refuses_any_bytes_with_malformed_only(data: bytes) -> None:
    with contextlib.suppress(Malformed):
        parse_request(data)


@SETTINGS
@given(serial=st.integers(min_value=1, max_value=2**159), nonce=st.one_of(st.none(), st.binary(max_size=64)))
def test_well_formed_ocsp_requests_parse_and_nonces_keep_rfc_8954_bounds(
    serial: int, nonce: bytes | None
) -> None:
    from asn1crypto import algos, core, ocsp

    extensions = None
    if nonce is not None:
        extensions = [{"extn_id": "nonce", "critical": False, "extn_value": core.OctetString(nonce)}]
    request = ocsp.OCSPRequest(
        {
            "tbs_request": {
                "request_list": [
                    {
                        "req_cert": {
                            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
                            "issuer_name_hash": b"\x01" * 20,
                            "issuer_key_hash": b"\x02" * 20,
                            "serial_number": serial,
                        }
                    }
                ],
                "request_extensions": extensions,
            }
        }
    ).dump()
    if nonce is not None and not NONCE_MIN <= len(nonce) <= NONCE_MAX:
        with pytest.raises(Malformed):
            parse_request(request)
        return
    parsed = parse_request(request)
    assert [c.serial for c in parsed.cert_ids] == [serial] and parsed.nonce == nonce


# -- protocol messages ----------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
MODELS = [
    getattr(messages, name)
    for name in dir(messages)
    if isinstance(getattr(messages, name), type)
    and issubclass(getattr(messages, name), messages.BaseModel)
    and getattr(messages, name).__module__ == messages.__name__
]


@SETTINGS
@given(body=st.dictionaries(st.text(max_size=20), json_values, max_size=8), index=st.integers(min_value=0))
def test_protocol_messages_refuse_arbitrary_json_with_validation_errors_only(
    body: dict[str, Any], index: int
) -> None:
    model = MODELS[index % len(MODELS)]
    try:
        parsed = model.model_validate(body)
    except ValidationError:
        return
    assert model.model_validate(parsed.model_dump(mode="json")) == parsed
