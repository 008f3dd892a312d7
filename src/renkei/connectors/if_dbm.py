"""副本登録 messages shaped like the real IF_DBM_20113 ones (domain reference §1.3).

A request is two files: the message `DBM_20113_<id>.xml` (root `IF_DBM_20113_R01`: MessageHeader, MessageBody)
and its attachment `DBM_20113_ATTACH_<id>.xml`, a list of registration/deletion entries. Each entry carries the
副本データ as an escaped XML document whose elements are named by TK code (null items: ReasonOfNull + xsi:nil).
The entry's KojinNo must be empty: the My Number never enters the intermediate server (ARCHITECTURE §2.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from renkei.connectors.safe_xml import child_text, iter_elements, parse_document
from renkei.connectors.text import parse_date
from renkei.core.errors import Invalid
from renkei.core.ids import validate_atena
from renkei.intermediate.schemas import SEGMENT_DELETE, SEGMENT_REGISTER, CopyInput

MESSAGE_TYPE = "IF_DBM_20113_R01"
ATTACHMENT_ROOT = "DBM_20113_ATTACH"
ENTRY = "InformationOfSPIRegistrationDelete"
SEGMENT = "SegmentOfRegistrationDelete"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def read_if_dbm(path: Path) -> Iterator[CopyInput | Invalid]:
    """Read a message file (its attachment is found beside it) or an attachment file directly."""
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    is_message = f"<{MESSAGE_TYPE}" in head or f":{MESSAGE_TYPE}" in head
    attachment = _attachment_of(path) if is_message else path
    yield from _read_attachment(attachment)


def _attachment_of(message: Path) -> Path:
    with message.open("rb") as handle:
        found = {
            element.tag: element
            for _root, element in iter_elements(
                handle, frozenset({"MessageHeader", "MessageBody"}), source=message.name
            )
        }
    header = found.get("MessageHeader")
    if header is None or child_text(header, "MSGTypeID") != MESSAGE_TYPE:
        raise Invalid(f"電文種別IDが {MESSAGE_TYPE} ではありません", record=message.name, field="MSGTypeID")
    body = found.get("MessageBody")
    name = child_text(body, "AttachmentFileName") if body is not None else ""
    if not name:
        name = message.name.replace("DBM_20113_", "DBM_20113_ATTACH_", 1)
    attachment = message.parent / Path(name).name  # a bare name: never a path out of the message's folder
    if not attachment.exists():
        raise Invalid(
            f"添付ファイルがありません: {attachment.name}", record=message.name, field="AttachmentFileName"
        )
    return attachment


def _read_attachment(path: Path) -> Iterator[CopyInput | Invalid]:
    segment = SEGMENT_REGISTER
    number = 0
    with path.open("rb") as handle:
        for _root, element in iter_elements(handle, frozenset({SEGMENT, ENTRY}), source=path.name):
            if element.tag == SEGMENT:
                segment = (element.text or "").strip()
                continue
            number += 1
            source = f"{path.name}#{number}"
            try:
                yield _entry(element, segment, source)
            except Invalid as error:
                yield error if error.record else Invalid(error.message, record=source, field=error.field)


def _entry(element: Element, segment: str, source: str) -> CopyInput:
    if segment not in (SEGMENT_REGISTER, SEGMENT_DELETE):
        raise Invalid(f"登録削除区分は 1 または 2 です: {segment!r}", record=source, field=SEGMENT)
    record_id = child_text(element, "RecordIdentificationNumber")
    if record_id:
        source = f"{source} (レコード識別番号 {record_id})"
    if child_text(element, "KojinNo"):
        raise Invalid(
            "個人番号は中間サーバーに送れません。団体内統合宛名番号を指定してください",
            record=source,
            field="KojinNo",
        )
    required = {
        "RecordIdentificationNumber": record_id,
        "SpecificPersonalInformationCode": child_text(element, "SpecificPersonalInformationCode"),
        "DataSetIdentificationItemCode": child_text(element, "DataSetIdentificationItemCode"),
        "SPIMajorVersion": child_text(element, "SPIMajorVersion"),
    }
    for name, value in required.items():
        if not value:
            raise Invalid("必須項目が空です", record=source, field=name)
    integrated = child_text(element, "IntegratedAddressNumber")
    atena = child_text(element, "ShikibetsuCode")
    if not integrated and not atena:
        raise Invalid(
            "IntegratedAddressNumber か ShikibetsuCode（宛名番号）が必要です",
            record=source,
            field="IntegratedAddressNumber",
        )
    items: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    data = child_text(element, "DuplicateCopyData")
    if segment == SEGMENT_REGISTER:
        if not data:
            raise Invalid("副本データがありません", record=source, field="DuplicateCopyData")
        items, reasons = _copy_data(parse_document(data, source=f"{source} DuplicateCopyData"))
    return CopyInput(
        source=source,
        segment=segment,
        record_id=record_id,
        integrated_number=validate_atena(integrated, field="IntegratedAddressNumber") if integrated else None,
        atena=validate_atena(atena, field="ShikibetsuCode") if atena else None,
        system=child_text(element, "SystemShikibetsuCode") or None,
        tm_code=required["SpecificPersonalInformationCode"],
        dataset_no=required["DataSetIdentificationItemCode"],
        dataset_record_key=child_text(element, "DataSetRecordKey")
        or required["DataSetIdentificationItemCode"],
        version=required["SPIMajorVersion"],
        published_from=parse_date(
            child_text(element, "PublicationDate"), record=source, field="PublicationDate"
        ),
        published_to=parse_date(
            child_text(element, "PublishedEndDate"), record=source, field="PublishedEndDate"
        ),
        items=items,
        null_reasons=reasons,
    )


def _copy_data(root: Element) -> tuple[dict[str, Any], dict[str, str]]:
    """Items of a 副本データ document: leaf elements are scalars, elements with children repeating groups."""
    items: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for child in root:
        if len(child):
            group, _ = _copy_data(child)
            items.setdefault(child.tag, []).append(group)
        elif child.get("nil") == "true":
            items[child.tag] = None
            reasons[child.tag] = child.get("ReasonOfNull", "NotAcceptable")
        else:
            items[child.tag] = (child.text or "").strip()
    return items, reasons


# --- writing ---------------------------------------------------------------------------------------


def copy_data_xml(entry: CopyInput) -> str:
    """The 副本データ document of one entry (elements named by TK code, dates yyyy-mm-dd)."""
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?><{entry.tm_code} xmlns:xsi="{XSI}" Version={quoteattr(entry.version)}>'
    ]
    parts.extend(_items_xml(entry.items, entry.null_reasons, entry.version))
    parts.append(f"</{entry.tm_code}>")
    return "".join(parts)


def _items_xml(items: dict[str, Any], reasons: dict[str, str], version: str) -> Iterator[str]:
    for tk, value in items.items():
        if isinstance(value, list):
            for group in value:
                yield f"<{tk} Version={quoteattr(version)}>"
                yield from _items_xml(group, {}, version)
                yield f"</{tk}>"
        elif value is None:
            reason = reasons.get(tk, "NotAcceptable")
            yield f'<{tk} Version={quoteattr(version)} ReasonOfNull={quoteattr(reason)} xsi:nil="true"/>'
        else:
            yield f"<{tk} Version={quoteattr(version)}>{escape(str(value))}</{tk}>"


def write_if_dbm(
    directory: Path,
    entries: Iterable[CopyInput],
    *,
    message_id: str,
    source_system: str = "RENKEI",
    destination_system: str = "CHUKAN",
    department: str = "",
    user_id: str = "",
    mode: str = "0",
) -> tuple[Path, Path]:
    """Write a message and its attachment (entries grouped by consecutive segment); returns both paths."""
    message = directory / f"DBM_20113_{message_id}.xml"
    attachment = directory / f"DBM_20113_ATTACH_{message_id}.xml"
    with attachment.open("w", encoding="utf-8", newline="\n") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{ATTACHMENT_ROOT}>\n')
        segment: str | None = None
        for entry in entries:
            if entry.segment != segment:
                if segment is not None:
                    out.write("</RegistrationDelete>\n")
                segment = entry.segment
                out.write(f"<RegistrationDelete><{SEGMENT}>{segment}</{SEGMENT}>\n")
            out.write(_entry_xml(entry))
        if segment is not None:
            out.write("</RegistrationDelete>\n")
        out.write(f"</{ATTACHMENT_ROOT}>\n")
    fields = {
        "MSGID": message_id,
        "MSGTypeID": MESSAGE_TYPE,
        "MSGMode": mode,
        "SourceSystemID": source_system,
        "DestinationSystemID": destination_system,
        "ReceptionNumber": "",
        "MSGResult": "",
    }
    header = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    body = (
        f"<RequestDepartmentCode>{escape(department)}</RequestDepartmentCode>"
        f"<RequestUserID>{escape(user_id)}</RequestUserID>"
        f"<AttachmentFileName>{attachment.name}</AttachmentFileName>"
    )
    message.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{MESSAGE_TYPE}><MessageHeader>{header}</MessageHeader>'
        f"<MessageBody>{body}</MessageBody></{MESSAGE_TYPE}>\n",
        encoding="utf-8",
    )
    return message, attachment


def _entry_xml(entry: CopyInput) -> str:
    fields = {
        "RecordIdentificationNumber": entry.record_id,
        "IntegratedAddressNumber": entry.integrated_number or "",
        "SystemShikibetsuCode": entry.system or "",
        "ShikibetsuCode": entry.atena or "",
        "KojinNo": "",
        "SpecificPersonalInformationCode": entry.tm_code,
        "DataSetIdentificationItemCode": entry.dataset_no,
        "DataSetRecordKey": entry.dataset_record_key,
        "SPIMajorVersion": entry.version,
        "ParentDataSetRecordKey": "",
        "PublicationDate": entry.published_from.isoformat() if entry.published_from else "",
        "PublishedEndDate": entry.published_to.isoformat() if entry.published_to else "",
        "AdministrativeRegionCode": "",
        "DuplicateCopyData": copy_data_xml(entry) if entry.segment == SEGMENT_REGISTER else "",
    }
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    return f"<{ENTRY}>{inner}</{ENTRY}>\n"
