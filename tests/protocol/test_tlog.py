"""C2SP signed notes, checkpoints, cosignatures and add-checkpoint bodies: a published vector and property tests."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.protocol import merkle, signing, tlog

# The signed-note example of golang.org/x/mod/sumdb/note (its package documentation): a fixed key, text and line.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_LINE = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def go_key() -> signing.Ed25519PrivateKey:
    raw = base64.b64decode(GO_SIGNER.split("+", 4)[4])  # the base64 itself may hold a "+"
    assert raw[0] == tlog.ALG_ED25519
    return signing.signing_key_from_seed(raw[1:])


def test_notes_match_the_go_reference_implementation_byte_for_byte() -> None:
    key = go_key()
    assert tlog.verifier_key("PeterNeumann", key) == GO_VERIFIER
    assert tlog.sign_note_line(GO_TEXT, "PeterNeumann", key) == GO_LINE
    text, [signature] = tlog.split_note(GO_TEXT + "\n" + GO_LINE)
    assert text == GO_TEXT and tlog.verify_note_signature(text, signature, key.public_key())
    assert not tlog.verify_note_signature(text.replace("you", "we", 1), signature, key.public_key())


def test_a_cosignature_is_bound_to_the_witness_key_the_time_and_the_checkpoint() -> None:
    witness = signing.generate_signing_key()
    text = tlog.Checkpoint("renkei.test/0030099000001700/records", 7, bytes(range(32))).text()
    [line] = tlog.parse_signature_lines(tlog.cosign(text, "w.test/w1", witness, timestamp=1_790_000_000))
    assert len(line.blob) == 76
    assert tlog.verify_cosignature(text, line, witness.public_key()) == 1_790_000_000
    assert tlog.verify_cosignature(text, line, signing.generate_signing_key().public_key()) is None
    assert tlog.verify_cosignature(text.replace("\n7\n", "\n8\n"), line, witness.public_key()) is None
    forged = tlog.NoteSignature(
        line.name, line.blob[:4] + (1_790_000_001).to_bytes(8, "big") + line.blob[12:]
    )
    assert tlog.verify_cosignature(text, forged, witness.public_key()) is None
    # a note signature by the same key is not a cosignature (another key id, algorithm 0x04 vs 0x01)
    [plain] = tlog.parse_signature_lines(tlog.sign_note_line(text, "w.test/w1", witness))
    assert tlog.verify_cosignature(text, plain, witness.public_key()) is None


sizes = st.integers(min_value=0, max_value=(1 << 63) - 1)
roots = st.binary(min_size=32, max_size=32)
origins = st.from_regex(r"[a-z0-9.]{1,20}/[0-9]{16}/records", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(origin=origins, size=sizes, root=roots)
def test_checkpoints_round_trip(origin: str, size: int, root: bytes) -> None:
    checkpoint = tlog.Checkpoint(origin, size, root)
    assert tlog.parse_checkpoint(checkpoint.text()) == checkpoint


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_is_a_note_error(body: str) -> None:
    for parse in (tlog.parse_add_checkpoint, tlog.parse_checkpoint, tlog.split_note):
        with contextlib.suppress(tlog.NoteError):
            parse(body)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(min_value=2, max_value=40), data=st.data())
def test_add_checkpoint_bodies_round_trip_with_a_proof_that_verifies(n: int, data: st.DataObject) -> None:
    old = data.draw(st.integers(min_value=1, max_value=n - 1))
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(n)]
    proof = merkle.consistency_path(leaves, old)
    key = signing.generate_signing_key()
    note = tlog.Checkpoint("o.test/1/records", n, merkle.root(leaves)).signed(key, name="o.test")
    parsed = tlog.parse_add_checkpoint(tlog.AddCheckpoint(old, proof, note).encode())
    assert (parsed.old_size, parsed.proof, parsed.note) == (old, proof, note)
    assert merkle.verify_consistency(old, n, merkle.root(leaves[:old]), merkle.root(leaves), parsed.proof)


@pytest.mark.parametrize(
    "body",
    [
        "old 01\n\nx\n",  # leading zero
        "old -1\n\nx\n",
        "old 1\nnot-base64!\n\nx\n",
        "old 1\n" + "AAAA\n" + "\nx\n",  # a proof hash of 3 bytes
        "old 1\n" + (base64.b64encode(bytes(32)).decode() + "\n") * 64 + "\nx\n",  # 64 proof lines
        "old 1\n",
    ],
)
def test_bad_add_checkpoint_bodies_are_refused(body: str) -> None:
    with pytest.raises(tlog.NoteError):
        tlog.parse_add_checkpoint(body)


@pytest.mark.parametrize(
    "text",
    [
        "o\n01\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "o\n1\n" + base64.b64encode(bytes(31)).decode() + "\n",
        "o\n1\n" + base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n",
        "o\n1\n" + base64.b64encode(bytes(32)).decode(),  # no final newline
        "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n",  # empty extension line
    ],
)
def test_bad_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(tlog.NoteError):
        tlog.parse_checkpoint(text)
