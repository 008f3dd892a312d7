"""転出証明書情報: the 転出証明 a move-out hands to the destination, as one sealed code (decision 0024).

The code travels with the person (printed, or pasted by the destination's clerk into the 転入届 form); only the
destination municipality can open it, because the destination's 団体コード is the associated data.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from typing import Any

from renkei.core.crypto import Sealer, derive_key
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.residents.schemas import TransferCertificate


def _certificate_sealer(settings: Settings) -> Sealer:
    return Sealer(derive_key(settings.secret("jukinet_key"), "renkei transfer certificate"))


def seal_certificate(certificate: TransferCertificate, *, settings: Settings) -> str:
    """The certificate as one opaque code that only the destination municipality can open."""
    fields = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in dataclasses.asdict(certificate).items()
    }
    blob = _certificate_sealer(settings).encrypt(
        json.dumps(fields, ensure_ascii=False).encode(), certificate.destination_lg_code.encode()
    )
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def open_certificate(code: str, *, lg_code: str, settings: Settings) -> TransferCertificate:
    text = "".join(code.split())
    try:
        blob = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        fields: dict[str, Any] = json.loads(_certificate_sealer(settings).decrypt(blob, lg_code.encode()))
    except (ValueError, Invalid) as exc:
        raise Invalid(
            "転出証明書情報を読めません（この団体あての転出証明書情報か確認してください）",
            field="転出証明書情報",
        ) from exc
    for name in ("birth_date", "moved_out_on"):
        fields[name] = dt.date.fromisoformat(fields[name])
    return TransferCertificate(**fields)
