"""Evidence files of findings: kept outside the web root under a random key, their type told by their first bytes,
their size bounded, and their SHA-256 recorded when stored and checked again on every download."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from worklog.bounds import limit_text
from worklog.errors import ServiceError

#: The types evidence may have, told by the file's first bytes (an extension proves nothing): content type, the
#: extension the stored name is given.
_MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class Tampered(Exception):
    """A stored file whose bytes no longer match the hash recorded when it was stored (or that is gone)."""


def directory() -> Path:
    """ATTACHMENT_DIR, by default <instance>/attachments: never under static/, so no URL reaches a file but the
    checked download."""
    path = Path(current_app.config.get("ATTACHMENT_DIR") or os.path.join(current_app.instance_path, "attachments"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an allowed file, by its first bytes; None for any other."""
    for magic, content_type, extension in _MAGIC:
        if data.startswith(magic):
            return content_type, extension
    return None


def safe_filename(name: str | None, extension: str) -> str:
    """The name the file is shown and downloaded under: the uploader's name without any path, control characters
    or quotes, at most 100 characters, ending in the extension its bytes showed."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in "\"<>:|?*;")
    stem = re.sub(r"\s+", " ", os.path.splitext(name)[0]).strip(" .") or "evidence"
    return stem[:100 - len(extension)] + extension


def check(data: bytes, field: str = "evidence") -> tuple[str, str]:
    """Refuse an empty file, one too large, or one not a PDF, JPEG or PNG; else (content type, extension)."""
    if not data:
        raise ServiceError(_("The file is empty."), field)
    if len(data) > max_bytes():
        raise ServiceError(_("The file is larger than %(limit)s, the most evidence may be.",
                             limit=limit_text(max_bytes())), field)
    kind = sniff(data)
    if kind is None:
        raise ServiceError(_("Only PDF, JPEG and PNG files can be attached as evidence."), field)
    return kind


def store(data: bytes) -> tuple[str, str]:
    """Write the bytes under a new random key; (key, sha256). The file is written whole before it gets its name,
    so a reader never meets half a file."""
    key = secrets.token_hex(20)
    folder = directory()
    temporary = folder / (key + ".part")
    with open(temporary, "xb") as out:
        out.write(data)
    os.replace(temporary, folder / key)
    return key, hashlib.sha256(data).hexdigest()


def discard(key: str) -> None:
    """Remove a stored file whose record was not kept (a refused or rolled-back request)."""
    try:
        (directory() / key).unlink()
    except FileNotFoundError:
        pass


def read_verified(key: str, sha256: str) -> bytes:
    """The stored bytes, if they still hash to what was recorded; :class:`Tampered` otherwise."""
    if not re.fullmatch(r"[0-9a-f]{40}", key or ""):
        raise Tampered(key)
    try:
        data = (directory() / key).read_bytes()
    except OSError:
        raise Tampered(key)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Tampered(key)
    return data
