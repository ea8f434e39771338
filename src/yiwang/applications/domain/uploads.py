"""Uploaded files: the content types a file may be, judged by its bytes, not its name."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from typing import Any

# How many bytes of a file the sniffer reads to recognise it.
SNIFF_BYTES = 8192

_OOXML = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# Old Office files share one container format; the extension says which program wrote it.
_OLE2_TYPES = ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint")
_TEXT_TYPES = ("text/plain", "text/csv")

# Content types the platform can recognise by content; a material may only accept these.
SNIFFABLE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "application/zip",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        *_OOXML.values(),
        *_OLE2_TYPES,
        *_TEXT_TYPES,
    }
)


def sniff_content_types(head: bytes, open_whole: Callable[[], Any] | None = None) -> set[str]:
    """The content types a file may be, judged by its bytes (not its name).

    ``head`` is the start of the file; ``open_whole`` returns a seekable binary file of the whole
    content, needed to look inside ZIP containers (Office and OpenDocument files). Returns an
    empty set for content the platform does not recognise.
    """
    if head.startswith(b"%PDF-"):
        return {"application/pdf"}
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return {"image/png"}
    if head.startswith(b"\xff\xd8\xff"):
        return {"image/jpeg"}
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return {"image/gif"}
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return {"image/webp"}
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return {"image/tiff"}
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return set(_OLE2_TYPES)
    if head.startswith(b"PK\x03\x04"):
        return _zip_types(open_whole)
    if head and _is_text(head):
        return set(_TEXT_TYPES)
    return set()


def _zip_types(open_whole: Callable[[], Any] | None) -> set[str]:
    found = {"application/zip"}
    if open_whole is None:
        return found
    try:
        with zipfile.ZipFile(open_whole()) as archive:
            names = set(archive.namelist())
            for marker, content_type in _OOXML.items():
                if marker in names:
                    found.add(content_type)
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    found.add(declared)
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()
    return found


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True
