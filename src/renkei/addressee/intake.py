"""Registration end to end: a population file onto the register, through 住基ネット, into the addressee system."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy.orm import Session

from renkei.addressee.service.people import register_residents
from renkei.core.gaiji import GaijiTable
from renkei.core.settings import Settings
from renkei.protocol.jukinet import JukinetClient
from renkei.residents.importer import ImportResult, OnError, import_file
from renkei.residents.schemas import Registered


def import_population(
    sessions: Callable[[], AbstractContextManager[Session]],
    *,
    path: Path,
    lg_code: str,
    jukinet: JukinetClient,
    settings: Settings,
    encoding: str = "auto",
    on_error: OnError = "abort",
    rejects: Path | None = None,
    progress: Callable[[int], object] | None = None,
    gaiji: GaijiTable | None = None,
) -> ImportResult:
    """住民記録 import, 付番 (住民票コード and My Number from 住基ネット) and 統合宛名番号, chunk by chunk.

    The municipality is connected to 住基ネット first if it is not yet (its code must be in the national list).
    Each chunk is one transaction on the municipal database: the residents and their 統合宛名番号, sealed My
    Number and blind index are committed together (decision 0012).
    """

    jukinet.register_municipality(lg_code)

    def to_addressee(session: Session, registered: list[Registered]) -> None:
        register_residents(session, registered=registered, settings=settings)

    return import_file(
        sessions,
        path=path,
        lg_code=lg_code,
        jukinet=jukinet,
        settings=settings,
        encoding=encoding,
        on_error=on_error,
        rejects=rejects,
        after_chunk=to_addressee,
        progress=progress,
        gaiji=gaiji,
    )
