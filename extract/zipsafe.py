"""Checks on an untrusted ZIP package (DOCX, ODT) before any parser touches it.

From the central directory alone (instant): too many entries, too large a total uncompressed size, or an
entry inflating far beyond its compressed size (a zip bomb). Python's zipfile never inflates an entry past
its declared size, so bounding the declared sizes bounds the work. Then every XML part is scanned for a
DOCTYPE or entity declaration (billion laughs, external entities): Word never writes one.
"""
from __future__ import annotations

import io
import zipfile

from extract.sniff import ReadError

MAX_ENTRIES = 5000
MAX_TOTAL = 256 * 1024 * 1024  # uncompressed bytes of all entries
MAX_RATIO = 200  # uncompressed / compressed, for entries above RATIO_FLOOR (Word's XML: 2-30)
RATIO_FLOOR = 1_000_000
_MEDIA = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x01\x00\x00\x00",
          b"\xd7\xcd\xc6\x9a", b"II*\x00", b"MM\x00*")
_DECLS = ("<!DOCTYPE", "<!ENTITY")


def open_package(data: bytes, name: str, kind: str = "DOCX") -> zipfile.ZipFile:
    """The archive, opened, once it passed every check; ReadError naming `kind` and the reason otherwise."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ReadError(f"{name}: {kind} is not a readable ZIP package ({exc})") from None
    if len(infos) > MAX_ENTRIES:
        raise ReadError(f"{name}: {kind} refused: {len(infos)} entries in the archive (limit {MAX_ENTRIES}), "
                        "a zip bomb or not a document")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL:
        raise ReadError(f"{name}: {kind} refused: {total} bytes uncompressed (limit {MAX_TOTAL}), a zip bomb")
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise ReadError(f"{name}: {kind} refused: entry {i.filename[:80]!r} inflates {i.compress_size} bytes to "
                            f"{i.file_size} (ratio above {MAX_RATIO}), a zip bomb")
    for i in infos:
        if i.is_dir() or not i.file_size:
            continue
        try:
            with zf.open(i) as f:
                head = f.read(64)
                if head.startswith(_MEDIA):
                    continue
                body = head + f.read()
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError, OSError, EOFError) as exc:
            # RuntimeError: encrypted entry; NotImplementedError: unknown compression
            raise ReadError(f"{name}: {kind} entry {i.filename[:80]!r} cannot be read ({exc})") from None
        decl = _declaration(body)
        if decl:
            raise ReadError(f"{name}: {kind} refused: XML part {i.filename[:80]!r} contains a {decl} declaration "
                            "(entity expansion, as in a billion-laughs attack); Word never writes one")
    return zf


def _declaration(body: bytes) -> str | None:
    """`<!DOCTYPE`/`<!ENTITY` if the part declares one, in UTF-8 or UTF-16 (with or without a BOM)."""
    variants = [body]
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(body) > 1 and 0 in body[:2]):
        for enc in ("utf-16-le", "utf-16-be"):
            variants.append(body.decode(enc, errors="ignore").encode("utf-8"))
    for text in variants:
        for decl in _DECLS:
            if decl.encode() in text:
                return decl[2:]
    return None
