"""The open transparency-log formats renkei's record logs speak, so that outside witnesses can cosign too.

- C2SP ``signed-note``: a text ending in a newline, an empty line, then signature lines
  ``— <key name> <base64(key id[4] ‖ signature)>``; for Ed25519 the key id is
  ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`` and the signature covers the text bytes.
- C2SP ``tlog-checkpoint``: the note text is ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` (RFC 9162 tree).
- C2SP ``tlog-cosignature`` (cosignature/v1): a witness signs ``cosignature/v1\\ntime <t>\\n`` + checkpoint text;
  the blob is ``key id[4] ‖ t (u64 big-endian) ‖ Ed25519 signature[64]``, key id with algorithm byte 0x04.
- C2SP ``tlog-witness`` ``add-checkpoint``: the body ``old <size>\\n``, up to 63 base64 consistency-proof lines,
  an empty line and the signed checkpoint; the answers 200 (cosignature lines), 400, 403, 404, 409 (with the
  witness's size as ``text/x.tlog.size``) and 422 are carried in `AddCheckpointResponse` unchanged.

The rpc operation ``witness_add_checkpoint`` carries that exact text in JSON (`AddCheckpointRequest.body`) and
answers with the exact HTTP status, content type and body the spec names (docs/decisions/0100).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

from renkei.protocol.transport import Transport

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014"
MAX_PROOF_LINES = 63
MAX_NOTE_BYTES = 1 << 20
SIZE_CONTENT_TYPE = "text/x.tlog.size"
NOTE_CONTENT_TYPE = "text/plain; charset=utf-8"

_NAME = re.compile(r"^[^\s+]+$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,19})$")


ORIGIN_HOST = "renkei.test"


def log_origin(agency_code: str) -> str:
    """The checkpoint origin of the records log of the agency with this 機関コード."""
    return f"{ORIGIN_HOST}/{agency_code}/records"


def witness_name(agency_code: str) -> str:
    """The key name under which the agency with this 機関コード cosigns as a witness."""
    return f"{ORIGIN_HOST}/{agency_code}/witness"


def origin_agency(origin: str) -> str | None:
    """The 機関コード an origin names, or None when it is not one of renkei's."""
    host, _, rest = origin.partition("/")
    code, _, tail = rest.partition("/")
    return code if host == ORIGIN_HOST and tail == "records" and code.isdigit() and len(code) == 16 else None


class NoteError(ValueError):
    """A note, checkpoint or add-checkpoint body that does not follow the C2SP grammar."""


def raw_public_key(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey | Ed25519PrivateKey, alg: int = ALG_ED25519) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + raw_public_key(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey | Ed25519PrivateKey, alg: int = ALG_ED25519) -> str:
    """The vkey string (``name+hex key id+base64(alg ‖ key)``) an outside verifier is configured with."""
    blob = bytes([alg]) + raw_public_key(public_key)
    return f"{name}+{key_id(name, public_key, alg).hex()}+{base64.b64encode(blob).decode()}"


def _check_name(name: str) -> str:
    if not name or not _NAME.match(name):
        raise NoteError(f"key name must be non-empty without spaces or '+': {name!r}")
    return name


# -- signed notes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoteSignature:
    name: str
    blob: bytes

    @property
    def key_id(self) -> bytes:
        return self.blob[:4]

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.blob).decode()}\n"


def sign_note_line(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """One signature line over `text` (which must end in a newline)."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    return NoteSignature(_check_name(name), key_id(name, key) + key.sign(text.encode())).line()


def parse_signature_lines(block: str) -> list[NoteSignature]:
    """Signature lines (each ending in a newline); anything else is a grammar error."""
    if not block.endswith("\n"):
        raise NoteError("signature lines must end with a newline")
    found: list[NoteSignature] = []
    for line in block[:-1].split("\n"):
        if not line.startswith(DASH + " "):
            raise NoteError("a signature line starts with U+2014 and a space")
        parts = line[2:].split(" ")
        if len(parts) != 2:
            raise NoteError("a signature line is a key name and a base64 signature")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NoteError("signature is not base64") from exc
        if len(blob) < 5:
            raise NoteError("signature too short")
        found.append(NoteSignature(_check_name(parts[0]), blob))
    return found


def split_note(note: str) -> tuple[str, list[NoteSignature]]:
    """(text, signatures) of a signed note."""
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise NoteError("note too large")
    index = note.rfind("\n\n")
    if index < 0:
        raise NoteError("a note is a text, an empty line and signature lines")
    text, block = note[: index + 1], note[index + 2 :]
    signatures = parse_signature_lines(block)
    if not signatures:
        raise NoteError("a note carries at least one signature")
    return text, signatures


def verify_note_signature(text: str, signature: NoteSignature, public_key: Ed25519PublicKey) -> bool:
    if signature.key_id != key_id(signature.name, public_key) or len(signature.blob) != 68:
        return False
    try:
        public_key.verify(signature.blob[4:], text.encode())
    except InvalidSignature:
        return False
    return True


# -- checkpoints -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"

    def signed(self, key: Ed25519PrivateKey, *, name: str | None = None) -> str:
        """The checkpoint as a signed note (key name = origin unless told)."""
        text = self.text()
        return text + "\n" + sign_note_line(text, name or self.origin, key)


def parse_checkpoint(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise NoteError("checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint has an origin, a size and a root hash line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin or origin != origin.strip() or any(not line for line in lines[3:]):
        raise NoteError("bad origin or empty extension line")
    if not _DECIMAL.match(size) or int(size) >= 1 << 63:
        raise NoteError("tree size is a decimal without leading zeros")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("root hash is not base64") from exc
    if len(root_hash) != 32 or base64.b64encode(root_hash).decode() != root:
        raise NoteError("root hash is 32 bytes of standard base64")
    return Checkpoint(origin, int(size), root_hash)


# -- cosignatures -------------------------------------------------------------------------------------
def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(checkpoint_text: str, name: str, key: Ed25519PrivateKey, *, timestamp: int) -> str:
    """A cosignature/v1 line from witness `name` over the checkpoint text."""
    signature = key.sign(cosignature_message(checkpoint_text, timestamp))
    blob = key_id(_check_name(name), key, ALG_COSIGNATURE_V1) + struct.pack(">Q", timestamp) + signature
    return NoteSignature(name, blob).line()


def verify_cosignature(
    checkpoint_text: str, signature: NoteSignature, public_key: Ed25519PublicKey
) -> int | None:
    """The cosignature's timestamp when it verifies against this witness key, else None."""
    blob = signature.blob
    if len(blob) != 76 or blob[:4] != key_id(signature.name, public_key, ALG_COSIGNATURE_V1):
        return None
    (timestamp,) = struct.unpack(">Q", blob[4:12])
    try:
        public_key.verify(blob[12:], cosignature_message(checkpoint_text, timestamp))
    except InvalidSignature:
        return None
    return int(timestamp)


# -- add-checkpoint ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str

    def encode(self) -> str:
        lines = [f"old {self.old_size}"] + [base64.b64encode(p).decode() for p in self.proof]
        return "\n".join(lines) + "\n\n" + self.note


def parse_add_checkpoint(body: str) -> AddCheckpoint:
    """The request body of add-checkpoint (NoteError on any deviation from the grammar)."""
    head, sep, note = body.partition("\n\n")
    if not sep:
        raise NoteError("add-checkpoint is an old-size line, proof lines, an empty line and a checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old ") or not _DECIMAL.match(lines[0][4:]):
        raise NoteError("the first line is 'old <size>' without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise NoteError("more than 63 consistency proof lines")
    proof: list[bytes] = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NoteError("a consistency proof line is one base64 hash") from exc
        if len(value) != 32:
            raise NoteError("a consistency proof hash is 32 bytes")
        proof.append(value)
    return AddCheckpoint(int(lines[0][4:]), proof, note)


# -- protocol operation models and the typed client ------------------------------------------------------------
class AddCheckpointRequest(BaseModel):
    """``witness_add_checkpoint``: the exact tlog-witness request body."""

    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=MAX_NOTE_BYTES)


class AddCheckpointResponse(BaseModel):
    """The HTTP answer tlog-witness specifies, carried unchanged (status, content type, body)."""

    status: int
    content_type: str
    body: str


class WitnessedRequest(BaseModel):
    """``witness_checkpoints``: every checkpoint this witness cosigned for an origin (oldest first)."""

    model_config = ConfigDict(extra="forbid")
    origin: str = Field(min_length=1, max_length=200)


class WitnessedCheckpoint(BaseModel):
    origin: str
    tree_size: int
    root_hash: str  # hex
    cosigned_at: dt.datetime


class WitnessedCheckpoints(BaseModel):
    witness: str
    checkpoints: list[WitnessedCheckpoint]
    refused: list[dict[str, str | int | None]] = Field(default_factory=list)


class WitnessRefused(Exception):
    """A witness answered add-checkpoint with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body.strip()}")
        self.status = status
        self.body = body

    @property
    def size(self) -> int | None:
        text = self.body.strip()
        return int(text) if self.status == 409 and _DECIMAL.match(text) else None


class WitnessClient:
    """Talks to a witness (the hub or a municipality node) by service name."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def add_checkpoint(self, service: str, request: AddCheckpoint) -> str:
        """The cosignature lines, or `WitnessRefused` with the witness's status."""
        answer = AddCheckpointResponse.model_validate(
            self._transport.call(
                service, "witness_add_checkpoint", AddCheckpointRequest(body=request.encode()).model_dump()
            )
        )
        if answer.status != 200:
            raise WitnessRefused(answer.status, answer.body)
        return answer.body

    def checkpoints(self, service: str, origin: str) -> WitnessedCheckpoints:
        answer = self._transport.call(
            service, "witness_checkpoints", WitnessedRequest(origin=origin).model_dump()
        )
        return WitnessedCheckpoints.model_validate(answer)
