"""The organisation CA: its own certificate, node certificates that name their agency, revocation, the CRL."""

from __future__ import annotations

import ipaddress
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.ids import municipality_agency_code, validate_lg_code
from renkei.protocol import orgca
from renkei.protocol.identity import Caller

SETAGAYA = validate_lg_code("13112")
SETAGAYA_AGENCY = municipality_agency_code(SETAGAYA)
HUB_AGENCY = "0100000000000001"


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_ca_names_itself_a_renkei_test_ca_and_keeps_its_key_private(tmp_path: Path) -> None:
    info = orgca.init_ca(tmp_path)
    cert = _cert(info.certfile)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "renkei test organisation CA"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "renkei (test only)"
    assert cert.issuer == cert.subject
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert cert.signature_hash_algorithm is not None and cert.signature_hash_algorithm.name == "sha256"
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    assert stat.S_IMODE(info.keyfile.stat().st_mode) == 0o600
    crl = orgca.load_crl(tmp_path)
    assert len(crl) == 0 and crl.next_update_utc is not None and crl.next_update_utc > crl.last_update_utc


def test_init_refuses_to_overwrite_an_existing_ca(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    before = (tmp_path / "ca.key").read_bytes()
    with pytest.raises(Conflict, match="上書きしません"):
        orgca.init_ca(tmp_path)
    assert (tmp_path / "ca.key").read_bytes() == before


def test_a_missing_ca_key_is_an_error_naming_the_file_not_a_new_ca(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    ca_pem = (tmp_path / "ca.pem").read_bytes()
    (tmp_path / "ca.key").unlink()
    with pytest.raises(NotFound, match=r"ca\.key"):
        orgca.issue(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    assert (tmp_path / "ca.pem").read_bytes() == ca_pem
    assert not (tmp_path / "ca.key").exists()


def test_a_municipal_node_certificate_states_its_agency_role_node_and_lg_code(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    issued = orgca.issue(
        tmp_path, node="setagaya", agency_code=SETAGAYA_AGENCY, role="municipality", lg_code="13112"
    )
    cert = _cert(issued.certfile)
    assert cert.issuer == _cert(tmp_path / "ca.pem").subject
    assert stat.S_IMODE(issued.keyfile.stat().st_mode) == 0o600
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usages) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.IPv4Address("127.0.0.1")]
    assert set(san.get_values_for_type(x509.UniformResourceIdentifier)) == {
        f"urn:renkei:agency:{SETAGAYA_AGENCY}",
        "urn:renkei:role:municipality",
        "urn:renkei:node:setagaya",
        f"urn:renkei:lg:{SETAGAYA}",
    }
    caller = Caller.from_certificate(cert)
    assert caller == Caller(
        agency_code=SETAGAYA_AGENCY,
        role="municipality",
        node="setagaya",
        lg_code=SETAGAYA,
        subject=cert.subject.rfc4514_string(),
        serial=issued.serial,
    )
    [entry] = orgca.list_issued(tmp_path)
    assert (entry.serial, entry.node, entry.agency_code, entry.role, entry.lg_code, entry.revoked_at) == (
        issued.serial,
        "setagaya",
        SETAGAYA_AGENCY,
        "municipality",
        SETAGAYA,
        None,
    )
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["certificates"][0]["not_after"] == cert.not_valid_after_utc.isoformat()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"node": "hub", "agency_code": "123", "role": "hub"}, "機関コード"),
        ({"node": "hub", "agency_code": HUB_AGENCY, "role": "minister"}, "role"),
        ({"node": "setagaya", "agency_code": SETAGAYA_AGENCY, "role": "municipality"}, "lg_code"),
        (
            {"node": "setagaya", "agency_code": SETAGAYA_AGENCY, "role": "business", "lg_code": "131120"},
            "地方公共団体コード",
        ),
        ({"node": "Bad Node", "agency_code": HUB_AGENCY, "role": "hub"}, "node"),
        ({"node": "hub", "agency_code": HUB_AGENCY, "role": "hub", "days": 0}, "days"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(
    tmp_path: Path, kwargs: dict[str, str], field: str
) -> None:
    orgca.init_ca(tmp_path)
    with pytest.raises(Invalid) as caught:
        orgca.issue(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert orgca.list_issued(tmp_path) == []


def test_a_node_has_one_current_certificate_unless_replaced(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    first = orgca.issue(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    with pytest.raises(Conflict, match="有効な証明書"):
        orgca.issue(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    second = orgca.issue(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub", replace=True)
    assert second.serial != first.serial
    assert _cert(second.certfile).serial_number == second.serial
    revoked = {r.serial_number: r for r in orgca.load_crl(tmp_path)}
    assert set(revoked) == {first.serial}
    reason = revoked[first.serial].extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.superseded


def test_revocation_by_node_or_serial_re_signs_the_crl_and_is_safe_to_retry(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    hub = orgca.issue(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    city = orgca.issue(
        tmp_path, node="setagaya", agency_code=SETAGAYA_AGENCY, role="municipality", lg_code=SETAGAYA
    )
    number_before = (
        orgca.load_crl(tmp_path).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    )

    [entry] = orgca.revoke(tmp_path, node="setagaya", reason="keyCompromise")
    assert entry.serial == city.serial and entry.revoked_at is not None and entry.reason == "keyCompromise"
    crl = orgca.load_crl(tmp_path)
    assert [r.serial_number for r in crl] == [city.serial]
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > number_before

    [again] = orgca.revoke(tmp_path, serial=city.serial, reason="superseded")
    assert again == entry  # the first revocation's time and reason stand
    orgca.revoke(tmp_path, serial=hub.serial)
    revoked = {r.serial_number: r for r in orgca.load_crl(tmp_path)}
    assert set(revoked) == {hub.serial, city.serial}
    # RFC 5280 §5.3.1: "unspecified" is stated by leaving the reasonCode out.
    with pytest.raises(x509.ExtensionNotFound):
        revoked[hub.serial].extensions.get_extension_for_class(x509.CRLReason)

    with pytest.raises(NotFound):
        orgca.revoke(tmp_path, serial=12345)
    with pytest.raises(NotFound):
        orgca.revoke(tmp_path, node="nobody")
    with pytest.raises(Invalid):
        orgca.revoke(tmp_path, node="hub", reason="because")


def test_a_crl_signed_by_another_ca_is_refused(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path / "a")
    orgca.init_ca(tmp_path / "b")
    (tmp_path / "a" / "crl.pem").write_bytes((tmp_path / "b" / "crl.pem").read_bytes())
    with pytest.raises(Invalid, match="組織CA"):
        orgca.load_crl(tmp_path / "a")


def test_out_writes_the_key_elsewhere_and_the_ca_keeps_only_the_certificate(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path / "ca")
    issued = orgca.issue(
        tmp_path / "ca", node="jukinet", agency_code="0100000000000002", role="jukinet", out=tmp_path / "node"
    )
    assert issued.certfile == tmp_path / "node" / "jukinet.pem"
    assert issued.keyfile.is_file() and issued.cafile == tmp_path / "node" / "ca.pem"
    assert (tmp_path / "ca" / "issued" / "jukinet.pem").read_bytes() == issued.certfile.read_bytes()
    assert not (tmp_path / "ca" / "issued" / "jukinet.key").exists()


def test_a_certificate_without_identity_uris_names_no_caller(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    issued = orgca.issue(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    cert = _cert(issued.certfile)
    # Rebuild the same certificate without its SAN URIs (self-signed is enough for parsing).
    key = ec.generate_private_key(ec.SECP256R1())
    bare = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(Forbidden, match="機関コード"):
        Caller.from_certificate(bare)


def test_the_embedded_caller_is_one_trusted_constant() -> None:
    caller = Caller.embedded()
    assert caller is Caller.embedded()
    assert (caller.role, caller.agency_code, caller.node, caller.lg_code, caller.serial) == (
        "embedded",
        "",
        "embedded",
        None,
        0,
    )
    assert caller.is_embedded


def test_ensure_makes_the_ca_and_certificates_once_and_refuses_a_changed_identity(tmp_path: Path) -> None:
    info = orgca.ensure_ca(tmp_path)
    assert orgca.ensure_ca(tmp_path) == info
    first = orgca.ensure_issued(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    again = orgca.ensure_issued(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    assert again == first and len(orgca.list_issued(tmp_path)) == 1
    with pytest.raises(Conflict, match="別の識別情報"):
        orgca.ensure_issued(
            tmp_path, node="hub", agency_code=SETAGAYA_AGENCY, role="municipality", lg_code=SETAGAYA
        )
    orgca.revoke(tmp_path, node="hub")
    renewed = orgca.ensure_issued(tmp_path, node="hub", agency_code=HUB_AGENCY, role="hub")
    assert renewed.serial != first.serial
    (tmp_path / "ca.key").unlink()
    with pytest.raises(NotFound, match=r"ca\.key"):
        orgca.ensure_ca(tmp_path)
