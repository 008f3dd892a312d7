"""The PKCS#11 side: CA keys and card keys on a SoftHSM2 token, generated there and never extractable."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding

from renkei.core.errors import Unauthenticated
from renkei.jpki import service
from renkei.jpki.keystore import Pkcs11Config, pkcs11_session
from renkei.jpki.models import StoredKey
from renkei.protocol.jpki import JpkiClient
from renkei.runtime import Runtime
from tests.jpki.builders import AUTH_PIN, ca_ders, der_of, issue

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
MODULE = next((m for m in MODULES if Path(m).exists()), None)
pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None, reason="needs the Debian package softhsm2"
)
TOKEN, USER_PIN = "renkei-jpki-test", "5678"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One token per test process: the module reads SOFTHSM2_CONF once, when it is first loaded."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", "1234", "--pin", USER_PIN],
        check=True,
        capture_output=True,
    )
    return conf


@pytest.fixture
def on_token(softhsm: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pkcs11Config]:
    assert MODULE is not None
    monkeypatch.setenv("SOFTHSM2_CONF", str(softhsm))
    monkeypatch.setenv("RENKEI_JPKI_PKCS11_MODULE", MODULE)
    monkeypatch.setenv("RENKEI_JPKI_PKCS11_TOKEN", TOKEN)
    monkeypatch.setenv("RENKEI_JPKI_PKCS11_PIN", USER_PIN)
    yield Pkcs11Config(module=MODULE, token_label=TOKEN, user_pin=USER_PIN)


def test_ca_keys_are_generated_on_the_token_and_cannot_be_read_out(
    runtime: Runtime, on_token: Pkcs11Config
) -> None:
    from pkcs11 import Attribute, KeyType, ObjectClass

    with runtime.session("jpki") as session:
        made = service.init_hierarchy(session, settings=runtime.settings)
        stored = {k.label: k for k in session.query(StoredKey)}
    assert all(
        stored[m["key_label"]].store == "pkcs11" and stored[m["key_label"]].sealed_key is None for m in made
    )
    token_session = pkcs11_session(on_token)
    key = token_session.get_key(
        object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.RSA, label=made[0]["key_label"]
    )
    assert key[Attribute.EXTRACTABLE] is False and key[Attribute.SENSITIVE] is True
    with pytest.raises(Exception):  # noqa: B017 - the token refuses: the value attribute is sensitive
        key[Attribute.PRIVATE_EXPONENT]
    ders = ca_ders(runtime)
    root, sign = x509.load_der_x509_certificate(ders["root"]), x509.load_der_x509_certificate(ders["sign"])
    root.public_key().verify(  # type: ignore[union-attr,call-arg]
        sign.signature,
        sign.tbs_certificate_bytes,
        padding.PKCS1v15(),
        sign.signature_hash_algorithm,  # type: ignore[arg-type]
    )


def test_a_card_on_a_pkcs11_token_logs_in_and_counts_wrong_pins(
    runtime: Runtime, on_token: Pkcs11Config
) -> None:
    card = issue(runtime, token_kind="pkcs11")
    auth = x509.load_der_x509_certificate(der_of(runtime, card.card_number, "auth"))
    assert auth.public_key().key_size == 2048  # type: ignore[union-attr]
    client = JpkiClient(runtime.transport)
    challenge = client.login_challenge(audience="portal")
    with runtime.session("jpki") as session:
        response = service.card_login_response(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            pin=AUTH_PIN,
            challenge=challenge,
        )
    assert client.login_complete(response).serial == card.auth_serial
    with runtime.session("jpki") as session, pytest.raises(Unauthenticated, match="あと2回"):
        service.card_sign(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            slot="auth",
            pin="9999",
            data=b"x",
        )
