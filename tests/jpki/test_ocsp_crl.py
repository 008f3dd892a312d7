"""CRLs and OCSP as real tools see them: `openssl ocsp`, `openssl crl`, `openssl verify`, and cryptography."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp

from renkei.cli.serve_jpki import jpki_server
from renkei.jpki import service
from renkei.runtime import Runtime
from tests.jpki.builders import ca_ders, check, der_of, issue
from tests.jpki.serving import serving

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the Debian package openssl")


def pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


@dataclass
class World:
    runtime: Runtime
    url: str
    folder: Path
    good: Path
    revoked: Path
    held: Path

    def openssl_ocsp(self, cert: Path | None = None, *extra: str, serial: str | None = None) -> str:
        args = [
            "openssl",
            "ocsp",
            "-issuer",
            str(self.folder / "sign.pem"),
            "-url",
            f"{self.url}/ocsp",
            "-CAfile",
            str(self.folder / "root.pem"),
            "-verify_other",
            str(self.folder / "sign.pem"),
            "-timeout",
            "10",
            *extra,
        ]
        args += ["-cert", str(cert)] if cert else ["-serial", serial or "0x1"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
        return done.stdout + done.stderr


@pytest.fixture
def world(runtime: Runtime, tmp_path: Path) -> Iterator[World]:
    cards = [issue(runtime, i) for i in (1, 2, 3)]
    for role, der in ca_ders(runtime).items():
        (tmp_path / f"{role}.pem").write_bytes(pem(der))
    paths = []
    for name, card in zip(("good", "revoked", "held"), cards, strict=True):
        path = tmp_path / f"{name}.pem"
        path.write_bytes(pem(der_of(runtime, card.card_number, "sign")))
        paths.append(path)
    with runtime.session("jpki") as session:
        service.revoke(
            session, card_number=cards[1].card_number, kind="sign", reason="key-compromise", check=check(2)
        )
        service.suspend(session, card_number=cards[2].card_number)
    app, _responder = jpki_server(runtime, refresh_seconds=0)
    with serving(app) as url:
        yield World(runtime, url, tmp_path, *paths)


@needs_openssl
def test_openssl_ocsp_gets_good_revoked_and_unknown_answers(world: World) -> None:
    good = world.openssl_ocsp(world.good)
    assert "Response verify OK" in good and f"{world.good}: good" in good
    assert "WARNING" not in good  # the nonce came back
    revoked = world.openssl_ocsp(world.revoked)
    assert f"{world.revoked}: revoked" in revoked and "Reason: keyCompromise" in revoked
    held = world.openssl_ocsp(world.held)
    assert "revoked" in held and "certificateHold" in held
    unknown = world.openssl_ocsp(None, serial="0x1234")
    assert "Response verify OK" in unknown and ": unknown" in unknown


@needs_openssl
def test_pre_produced_answers_serve_requests_without_a_nonce_and_follow_revocation(world: World) -> None:
    first = world.openssl_ocsp(world.good, "-no_nonce")
    assert f"{world.good}: good" in first and "Response verify OK" in first
    card = issue(world.runtime, 9)
    path = world.folder / "later.pem"
    path.write_bytes(pem(der_of(world.runtime, card.card_number, "sign")))
    assert f"{path}: good" in world.openssl_ocsp(path, "-no_nonce")
    with world.runtime.session("jpki") as session:
        service.revoke(
            session, card_number=card.card_number, kind="sign", reason="unspecified", check=check(9)
        )
    assert f"{path}: revoked" in world.openssl_ocsp(path, "-no_nonce")


def _request(cert: Path, issuer: Path, *, algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_pem_x509_certificate(cert.read_bytes()),
        x509.load_pem_x509_certificate(issuer.read_bytes()),
        algorithm or hashes.SHA1(),
    )
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_the_same_request_without_a_nonce_gets_the_same_stored_answer(world: World) -> None:
    body = _request(world.good, world.folder / "sign.pem", algorithm=hashes.SHA256())
    with httpx.Client() as client:
        answers = [client.post(f"{world.url}/ocsp", content=body).content for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    parsed = ocsp.load_der_ocsp_response(answers[0])
    assert parsed.certificate_status == ocsp.OCSPCertStatus.GOOD
    responder = parsed.certificates[0]
    assert (
        x509.ExtendedKeyUsageOID.OCSP_SIGNING
        in responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    responder.public_key().verify(  # type: ignore[union-attr,call-arg]
        parsed.signature,
        parsed.tbs_response_bytes,
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


@pytest.mark.parametrize(
    "body", [b"", b"\x30\x03\x02\x01\x01", b"not der at all", b"\x30\x82\xff\xff" + b"\x00" * 10]
)
def test_malformed_requests_get_the_malformed_status_and_the_responder_keeps_going(
    world: World, body: bytes
) -> None:
    with httpx.Client() as client:
        bad = client.post(f"{world.url}/ocsp", content=body)
        assert bad.status_code == 200
        assert (
            ocsp.load_der_ocsp_response(bad.content).response_status
            == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        )
        good = client.post(f"{world.url}/ocsp", content=_request(world.good, world.folder / "sign.pem"))
    assert ocsp.load_der_ocsp_response(good.content).certificate_status == ocsp.OCSPCertStatus.GOOD


def test_a_certificate_from_an_unknown_issuer_is_not_answered_for(world: World) -> None:
    # Ask about the 署名用 certificate as if the 利用者証明用 CA had issued it.
    body = _request(world.good, world.folder / "auth.pem")
    with httpx.Client() as client:
        answer = client.post(f"{world.url}/ocsp", content=body)
    assert ocsp.load_der_ocsp_response(answer.content).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


@needs_openssl
def test_the_crl_at_the_distribution_point_is_der_that_openssl_reads_and_uses(world: World) -> None:
    with httpx.Client() as client:
        crl_der = client.get(f"{world.url}/crl/sign.crl").content
        root_crl = client.get(f"{world.url}/crl/root.crl").content
    (world.folder / "sign.crl").write_bytes(crl_der)
    text = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(world.folder / "sign.crl"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Key Compromise" in text and "Certificate Hold" in text
    crl = x509.load_der_x509_crl(crl_der)
    sign_ca = x509.load_pem_x509_certificate((world.folder / "sign.pem").read_bytes())
    assert crl.is_signature_valid(sign_ca.public_key())  # type: ignore[arg-type]
    crls = world.folder / "crls.pem"
    crls.write_bytes(
        crl.public_bytes(serialization.Encoding.PEM)
        + x509.load_der_x509_crl(root_crl).public_bytes(serialization.Encoding.PEM)
    )

    def verify(cert: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "openssl",
                "verify",
                "-crl_check_all",
                "-CAfile",
                str(world.folder / "root.pem"),
                "-untrusted",
                str(world.folder / "sign.pem"),
                "-CRLfile",
                str(crls),
                str(cert),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    assert verify(world.good).returncode == 0
    revoked = verify(world.revoked)
    assert revoked.returncode != 0 and "revoked" in (revoked.stdout + revoked.stderr)


def test_a_delta_crl_lists_changes_since_its_base_including_a_lifted_hold(world: World) -> None:
    with world.runtime.session("jpki") as session:
        base = service.publish_crl(session, settings=world.runtime.settings, role="sign")
        status = service.holder_status(session, lg_code="131016", resident_id=3)
        service.resume(session, card_number=status.cards[0].card_number, check=check(3))
        delta = service.publish_crl(session, settings=world.runtime.settings, role="sign", delta=True)
    assert base.entries == 2 and delta.delta_base == base.number and delta.number == base.number + 1
    parsed = x509.load_der_x509_crl(delta.der)
    indicator = parsed.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    assert indicator.critical and indicator.value.crl_number == base.number
    reasons = [entry.extensions.get_extension_for_class(x509.CRLReason).value.reason for entry in parsed]
    assert reasons == [x509.ReasonFlags.remove_from_crl]


def test_ca_certificates_are_served_for_the_aia_issuer_link(world: World) -> None:
    with httpx.Client() as client:
        answer = client.get(f"{world.url}/ca/sign.cer")
    assert answer.headers["content-type"] == "application/pkix-cert"
    assert answer.content == ca_ders(world.runtime)["sign"]


def test_a_get_request_and_a_rotated_responder_are_answered(world: World) -> None:
    import base64

    body = _request(world.good, world.folder / "sign.pem")
    with httpx.Client() as client:
        got = client.get(f"{world.url}/ocsp/{base64.b64encode(body).decode()}")
        first = ocsp.load_der_ocsp_response(got.content)
        assert first.certificate_status == ocsp.OCSPCertStatus.GOOD
        with world.runtime.session("jpki") as session:
            service.rotate_responder(session, settings=world.runtime.settings, role="sign")
            assert service.preproduce_ocsp(session, settings=world.runtime.settings, role="sign") == 3
        second = ocsp.load_der_ocsp_response(client.post(f"{world.url}/ocsp", content=body).content)
        assert client.get(f"{world.url}/ocsp").status_code == 405
    assert second.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert second.certificates[0].serial_number != first.certificates[0].serial_number


def test_no_byte_string_makes_the_responder_fail_to_answer(runtime: Runtime, tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from renkei.jpki.ocsp import OcspResponder

    card = issue(runtime)
    ders = ca_ders(runtime)
    (tmp_path / "sign.pem").write_bytes(pem(ders["sign"]))
    (tmp_path / "ee.pem").write_bytes(pem(der_of(runtime, card.card_number, "sign")))
    valid = _request(tmp_path / "ee.pem", tmp_path / "sign.pem")
    responder = OcspResponder(lambda: runtime.session("jpki"), runtime.settings, refresh_seconds=60)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.one_of(st.binary(max_size=300), st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255))))
    def answer_is_an_ocsp_response(mutation: bytes | tuple[int, int]) -> None:
        if isinstance(mutation, bytes):
            body = mutation
        else:
            at, value = mutation
            body = valid[:at] + bytes([value]) + valid[at + 1 :]
        parsed = ocsp.load_der_ocsp_response(responder.respond(body))
        assert parsed.response_status in {
            ocsp.OCSPResponseStatus.SUCCESSFUL,
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
            ocsp.OCSPResponseStatus.UNAUTHORIZED,
        }

    answer_is_an_ocsp_response()
