"""XML read with the standard library's expat, safely: no DTD, no entity declarations, nothing fetched.

Documents with a DOCTYPE are refused outright (IF_DBM messages never carry one), which shuts out external
entities and entity-expansion bombs alike. Names are reduced to their local part (namespaces dropped), so
`xsi:nil` is the attribute `nil`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element
from xml.parsers import expat

from renkei.core.errors import Invalid

_CHUNK = 1 << 16


class _Refused(Exception):
    pass


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


class _Builder:
    """Builds Elements from expat events; elements named in `emit` are handed out when complete and detached."""

    def __init__(self, emit: frozenset[str], source: str) -> None:
        self.emit = emit
        self.source = source
        self.stack: list[Element] = []
        self.root: Element | None = None
        self.ready: list[Element] = []
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.ExternalEntityRefHandler = self._refuse
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.buffer_text = True

    def _refuse(self, *_args: object) -> int:
        raise _Refused

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        element = Element(_local(name), {_local(k): v for k, v in attrs.items()})
        element.text = ""
        if self.stack:
            self.stack[-1].append(element)
        else:
            self.root = element
        self.stack.append(element)

    def _end(self, _name: str) -> None:
        element = self.stack.pop()
        if element.tag in self.emit:
            self.ready.append(element)
            if self.stack:
                self.stack[-1].remove(element)

    def _text(self, data: str) -> None:
        if self.stack:
            element = self.stack[-1]
            if len(element):
                last = element[-1]
                last.tail = (last.tail or "") + data
            else:
                element.text = (element.text or "") + data

    def feed(self, data: bytes | str, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except _Refused:
            raise Invalid("DTD・実体宣言を含むXMLは受け付けません", record=self.source) from None
        except expat.ExpatError as exc:
            raise Invalid(
                f"XMLとして読めません: {expat.ErrorString(exc.code)}", record=f"{self.source}:{exc.lineno}"
            ) from None


def iter_elements(stream: IO[bytes], tags: frozenset[str], *, source: str) -> Iterator[tuple[str, Element]]:
    """Yield (root tag, element) for every complete element named in `tags`, reading `stream` in chunks."""
    builder = _Builder(tags, source)
    while True:
        chunk = stream.read(_CHUNK)
        builder.feed(chunk, final=not chunk)
        for element in builder.ready:
            yield (builder.root.tag if builder.root is not None else ""), element
        builder.ready.clear()
        if not chunk:
            break


def parse_document(data: str | bytes, *, source: str) -> Element:
    """Parse a whole (small) document, e.g. the 副本データ carried escaped inside an attachment entry."""
    builder = _Builder(frozenset(), source)
    builder.feed(data, final=True)
    if builder.root is None:
        raise Invalid("XML文書が空です", record=source)
    return builder.root


def child_text(element: Element, name: str) -> str:
    """Text of the first child named `name` ('' when absent or nil)."""
    child = element.find(name)
    if child is None or child.get("nil") == "true":
        return ""
    return (child.text or "").strip()
