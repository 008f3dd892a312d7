"""Revocation freshness: the full CRL follows every change, OCSP within seconds, RFC 8954 nonces, RFC 5019 GET."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import time
from pathlib import Path

import httpx
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from renkei.cli import cli
from renkei.cli.serve_jpki import jpki_server
from renkei.jpki import service
from renkei.runtime import Runtime
from tests.jpki.builders import ca_ders, check, der_of, issue
from tests.jpki.serving import serving


def request(cert_der: bytes, issuer_der: bytes, *, nonce: bytes | None = None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_der_x509_certificate(cert_der), x509.load_der_x509_certificate(issuer_der), hashes.SHA1()
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def post(client: httpx.Client, url: str, body: bytes) -> ocsp.OCSPResponse:
    answer = client.post(f"{url}/ocsp", content=body, headers={"content-type": "application/ocsp-request"})
    return ocsp.load_der_ocsp_response(answer.content)


def test_the_full_crl_is_resigned_when_a_status_changes_not_when_it_expires(runtime: Runtime) -> None:
    cards = [issue(runtime, i) for i in (1, 2)]
    held = x509.load_der_x509_certificate(der_of(runtime, cards[1].card_number, "sign")).serial_number
    app, _responder = jpki_server(runtime, refresh_seconds=0)
    with serving(app) as url, httpx.Client() as client:
        first = x509.load_der_x509_crl(client.get(f"{url}/crl/sign.crl").content)
        serial = x509.load_der_x509_certificate(der_of(runtime, cards[0].card_number, "sign")).serial_number
        assert first.get_revoked_certificate_by_serial_number(serial) is None
        with runtime.session("jpki") as session:
            service.revoke(
                session, card_number=cards[0].card_number, kind="sign", reason="unspecified", check=check(1)
            )
        full = x509.load_der_x509_crl(client.get(f"{url}/crl/sign.crl").content)
        assert full.get_revoked_certificate_by_serial_number(serial) is not None  # at once, not a day later
        number = full.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        assert number > first.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        assert full.next_update_utc - full.last_update_utc == dt.timedelta(days=1)  # type: ignore[operator]
        again = x509.load_der_x509_crl(client.get(f"{url}/crl/sign.crl").content)
        assert (
            again.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number
        )  # no change
        with runtime.session("jpki") as session:
            service.suspend(session, card_number=cards[1].card_number)
        delta = x509.load_der_x509_crl(client.get(f"{url}/crl/sign-delta.crl").content)
        full2 = x509.load_der_x509_crl(client.get(f"{url}/crl/sign.crl").content)
    assert delta.get_revoked_certificate_by_serial_number(held) is not None
    assert full2.get_revoked_certificate_by_serial_number(held) is not None  # re-signed with the delta
    assert full2.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > (
        delta.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    )


def test_ocsp_reflects_a_revocation_within_seconds(runtime: Runtime) -> None:
    card = issue(runtime, 1)
    body = request(der_of(runtime, card.card_number, "sign"), ca_ders(runtime)["sign"])
    app, _responder = jpki_server(runtime, refresh_seconds=1.0)
    with serving(app) as url, httpx.Client() as client:
        assert post(client, url, body).certificate_status == ocsp.OCSPCertStatus.GOOD
        assert post(client, url, body).certificate_status == ocsp.OCSPCertStatus.GOOD  # now from memory
        with runtime.session("jpki") as session:
            service.revoke(
                session, card_number=card.card_number, kind="sign", reason="unspecified", check=check(1)
            )
        started = time.monotonic()
        while post(client, url, body).certificate_status != ocsp.OCSPCertStatus.REVOKED:
            assert time.monotonic() - started < 5, "OCSP still answers good 5 s after the revocation"
            time.sleep(0.1)
    assert time.monotonic() - started < 3


def test_nonces_outside_rfc_8954_bounds_are_malformed_requests(runtime: Runtime) -> None:
    card = issue(runtime, 1)
    cert, issuer = der_of(runtime, card.card_number, "sign"), ca_ders(runtime)["sign"]
    app, _responder = jpki_server(runtime, refresh_seconds=0)
    with serving(app) as url, httpx.Client() as client:
        for size, status in (
            (0, ocsp.OCSPResponseStatus.MALFORMED_REQUEST),
            (33, ocsp.OCSPResponseStatus.MALFORMED_REQUEST),
            (200, ocsp.OCSPResponseStatus.MALFORMED_REQUEST),
        ):
            assert post(client, url, request(cert, issuer, nonce=b"n" * size)).response_status == status, size
        for size in (1, 16, 32):
            answer = post(client, url, request(cert, issuer, nonce=b"n" * size))
            assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
            assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * size


def test_ocsp_get_answers_carry_rfc_5019_cache_headers(runtime: Runtime) -> None:
    card = issue(runtime, 1)
    cert, issuer = der_of(runtime, card.card_number, "sign"), ca_ders(runtime)["sign"]
    app, _responder = jpki_server(runtime, refresh_seconds=0)
    with serving(app) as url, httpx.Client() as client:
        plain = base64.b64encode(request(cert, issuer)).decode()
        got = client.get(f"{url}/ocsp/{plain}")
        with_nonce = client.get(
            f"{url}/ocsp/{base64.b64encode(request(cert, issuer, nonce=b'x' * 16)).decode()}"
        )
        posted = client.post(f"{url}/ocsp", content=request(cert, issuer))
    answer = ocsp.load_der_ocsp_response(got.content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    cache = got.headers["cache-control"]
    assert "public" in cache and "no-transform" in cache and "must-revalidate" in cache
    max_age = int(cache.split("max-age=")[1].split(",")[0])
    assert 0 < max_age <= 60
    assert email.utils.parsedate_to_datetime(got.headers["expires"]) == answer.next_update_utc
    assert email.utils.parsedate_to_datetime(got.headers["last-modified"]) == answer.produced_at_utc
    assert got.headers["etag"].startswith('"')
    assert "no-cache" in with_nonce.headers["cache-control"]  # bound to one request: never cached
    assert "expires" not in posted.headers  # POST answers are not for HTTP caches


def test_jpki_export_writes_ca_responder_and_end_entity_certificates_as_pem(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    card = issue(runtime, 1)
    serial = x509.load_der_x509_certificate(der_of(runtime, card.card_number, "sign")).serial_number
    out = tmp_path / "pem"
    result = CliRunner().invoke(
        cli,
        ["jpki", "export", "--out", str(out), "--serial", f"sign:{serial:#x}", "--card", card.card_number],
        env=cli_env,
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert {
        "root.pem",
        "sign.pem",
        "auth.pem",
        "responder-sign.pem",
        "responder-auth.pem",
        f"sign-{serial:x}.pem",
    } <= set(names)
    assert [n for n in names if n.startswith(f"card-{card.card_number}-")] and len(
        [n for n in names if n.startswith("card-")]
    ) == 2
    responder = x509.load_pem_x509_certificate((out / "responder-sign.pem").read_bytes())
    assert (
        ExtendedKeyUsageOID.OCSP_SIGNING
        in responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    leaf = x509.load_pem_x509_certificate((out / f"sign-{serial:x}.pem").read_bytes())
    assert leaf.serial_number == serial
    assert all(b"PRIVATE" not in p.read_bytes() for p in out.iterdir())
    missing = CliRunner().invoke(
        cli, ["jpki", "export", "--out", str(out), "--serial", "sign:0x7777"], env=cli_env
    )
    assert missing.exit_code != 0 and "証明書がありません" in missing.output, missing.output
