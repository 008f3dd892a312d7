"""Certificate profiles: the 基本4情報 in otherName entries, validity to the 5th birthday, extensions per RFC 5280."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from renkei.core import clock
from renkei.jpki import oids, profiles
from renkei.runtime import Runtime
from tests.jpki.builders import der_of, issue, person


def _other_names(certificate: x509.Certificate) -> dict[str, str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {}
    found = {}
    for name in san.get_values_for_type(x509.OtherName):
        # value is [0] EXPLICIT UTF8String: a0 len 0c len text
        raw = name.value
        assert raw[0] == 0x0C
        found[name.type_id.dotted_string] = raw[2:].decode()
    return found


def test_the_signing_certificate_carries_the_basic_four_and_former_surname(runtime: Runtime) -> None:
    card = issue(runtime, register=person(former_surname="佐藤"))
    certificate = x509.load_der_x509_certificate(der_of(runtime, card.card_number, "sign"))
    names = _other_names(certificate)
    assert names == {
        "1.2.392.200149.8.5.5.1": "山田 太郎",
        "1.2.392.200149.8.5.5.3": "1",
        "1.2.392.200149.8.5.5.4": "319800401",
        "1.2.392.200149.8.5.5.5": "東京都千代田区千代田1番1号",
        "1.2.392.200149.8.5.5.7": "佐藤",
    }
    policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [oids.POLICY_SIGN]
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment


def test_the_authentication_certificate_carries_no_personal_information(runtime: Runtime) -> None:
    card = issue(runtime, register=person(former_surname="佐藤"))
    certificate = x509.load_der_x509_certificate(der_of(runtime, card.card_number, "auth"))
    assert _other_names(certificate) == {}
    text = certificate.public_bytes(serialization.Encoding.DER)
    assert "山田".encode() not in text and "千代田区".encode() not in text
    policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [oids.POLICY_AUTH]
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.content_commitment


@pytest.mark.parametrize("kind", ["sign", "auth"])
def test_every_certificate_names_its_crl_and_ocsp_over_http(runtime: Runtime, kind: str) -> None:
    card = issue(runtime)
    certificate = x509.load_der_x509_certificate(der_of(runtime, card.card_number, kind))
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == f"http://jpki.renkei.test/crl/{kind}.crl"
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    ocsp_urls = [
        a.access_location.value for a in access if a.access_method == x509.AuthorityInformationAccessOID.OCSP
    ]
    assert ocsp_urls == ["http://jpki.renkei.test/ocsp"]


def test_certificates_are_valid_until_the_fifth_birthday_after_issuance(runtime: Runtime) -> None:
    with clock.frozen(dt.datetime(2026, 5, 10, 3, 0, tzinfo=dt.UTC)):
        card = issue(runtime, register=person(birth_date=dt.date(1990, 7, 20)))
    certificate = x509.load_der_x509_certificate(der_of(runtime, card.card_number, "sign"))
    # 5th birthday after 2026-05-10 is 2030-07-20, to 23:59:59 JST.
    assert certificate.not_valid_after_utc == dt.datetime(2030, 7, 20, 14, 59, 59, tzinfo=dt.UTC)


def test_a_birthday_on_issuance_day_does_not_count() -> None:
    assert profiles.nth_birthday_after(dt.date(1990, 5, 10), dt.date(2026, 5, 10), 5) == dt.date(2031, 5, 10)
    assert profiles.nth_birthday_after(dt.date(1990, 5, 11), dt.date(2026, 5, 10), 5) == dt.date(2030, 5, 11)
    assert profiles.nth_birthday_after(dt.date(2000, 2, 29), dt.date(2026, 1, 1), 1) == dt.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("date", "text"),
    [
        (dt.date(1912, 7, 29), "119120729"),
        (dt.date(1926, 12, 25), "319261225"),
        (dt.date(1989, 1, 8), "419890108"),
        (dt.date(2019, 5, 1), "520190501"),
    ],
)
def test_birth_dates_are_written_as_an_era_digit_and_the_gregorian_date(date: dt.date, text: str) -> None:
    assert profiles.jpki_birth_date(date) == text
    assert profiles.parse_jpki_birth_date(text) == date


def test_every_ca_names_itself_a_renkei_test_ca(runtime: Runtime) -> None:
    from tests.jpki.builders import ca_ders

    for der in ca_ders(runtime).values():
        certificate = x509.load_der_x509_certificate(der)
        subject = certificate.subject.rfc4514_string()
        assert "renkei" in subject and "Test" in subject
        assert "Japan Agency for Local Authority" not in subject and "O=JPKI" not in subject
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
        assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert certificate.public_key().key_size == 2048  # type: ignore[union-attr]


def test_the_template_encodes_the_alt_names_exactly_as_asn1crypto_would(runtime: Runtime) -> None:
    from asn1crypto import x509 as asn1_x509

    who = person(former_surname="佐藤")
    card = issue(runtime, register=who)
    certificate = asn1_x509.Certificate.load(der_of(runtime, card.card_number, "sign"))
    expected = asn1_x509.GeneralNames(profiles.personal_alt_names(profiles.Basic4(**who.model_dump())))
    assert certificate.subject_alt_name_value.dump() == expected.dump()
    assert profiles.read_personal(certificate) == {
        "name": who.name,
        "sex": "1",
        "birth_date": "319800401",
        "address": who.address,
        "former_surname": "佐藤",
    }
