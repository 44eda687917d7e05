"""Many certificates in one zip, streamed: each PDF is drawn, sent and forgotten, so a
round of ten thousand participants never sits in memory (benchmarks/RESULTS.md)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from quiz.certificates import pdf
from quiz.certificates.services import shown
from quiz.text import fold


class _Chunks(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken as they come."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def file_name(row: Any) -> str:
    """``00012-nguyen-thi-hong-nhung-ABCD-2345-WXYZ.pdf``: sorted by rank, readable
    on every system."""
    name = re.sub(r"[^a-z0-9]+", "-", fold(row.facts["name"])).strip("-")[:60]
    return f"{row.rank:05d}-{name}-{shown(row.code)}.pdf"


def stream(rows: Iterable[Any]) -> Iterator[bytes]:
    """The zip of the rows' certificates (rows of ``services.in_force``), in pieces."""
    sink = _Chunks()
    # PDFs are compressed already: stored, not deflated again.
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for row in rows:
            archive.writestr(file_name(row), pdf.render(row.code, row.facts, row.locale))
            yield sink.take()
    yield sink.take()
