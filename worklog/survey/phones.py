"""Phone numbers: normalised, encrypted, hashed and masked. The one module that sees a number in clear.

- ``encrypt``/``decrypt``: Fernet (AES-128-CBC with HMAC-SHA256) under ``PHONE_KEY``, or, when that is not set,
  a key derived from ``SECRET_KEY``. Changing the key makes stored numbers unreadable (the calls, answers and
  statistics stay), so set ``PHONE_KEY`` on its own and keep it with the backups.
- ``phone_hash``: HMAC-SHA256 of the normalised number under a second derived key: equal numbers give equal
  hashes, so the draw can keep a person from being called twice, while the hash alone does not give the
  number back to someone without the key.
- ``mask``: what every page shows: the last four digits only.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

#: Spaces, hyphens and brackets. Not the dot: "13912345678.0" is a number a spreadsheet turned into a decimal,
#: not a 12-digit phone.
_SEPARATORS = re.compile(r"[\s\-()（）]")
_PREFIXES = ("+86", "0086")
#: Mobile numbers have 11 digits; landlines with their area code 10 to 12; short local numbers 7 or 8.
MIN_DIGITS, MAX_DIGITS = 7, 12
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
#: A run of at least MIN_DIGITS digits, single spaces or hyphens allowed between them.
_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d){%d,}" % (MIN_DIGITS - 1))


class InvalidPhone(ValueError):
    """Not a phone number this survey can call."""


def normalise(raw: object) -> str:
    """Digits only, without separators or the +86 country code. Raises InvalidPhone.

    The shape is checked: a mobile number is 1[3-9] and 9 digits; a landline with its area code begins with 0
    and has 10 to 12 digits (after +86 the area code's 0 is left out, and put back); a local number has 7 or 8
    digits and begins with neither 0 nor 1. So a landline that lost its leading 0 in a spreadsheet is refused
    rather than stored wrong."""
    if isinstance(raw, bool):
        raise InvalidPhone("")
    text = _SEPARATORS.sub("", str(raw if raw is not None else "")).strip()
    international = False
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text, international = text[len(prefix):], True
            break
    if not text.isascii() or not text.isdigit():
        raise InvalidPhone("")
    if international and not text.startswith(("0", "1")):
        text = "0" + text  # +86 571 8765 4321 is 0571 8765 4321
    if not MIN_DIGITS <= len(text) <= MAX_DIGITS or not (
            _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text)
            or (not international and _LOCAL.fullmatch(text))):
        raise InvalidPhone("")
    return text


#: A date written year-month-day with hyphens, which the digit runs above would otherwise take for a number.
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01]))(?!\d)")


def redact(text: str | None) -> str:
    """``text`` with every run of 7 or more digits (single spaces or hyphens allowed between them) masked as
    ``****1234``: for free text (comments, replies) and messages that may echo a cell holding a number."""
    if not text:
        return text or ""

    # Dates (2026-09-04) are set apart first, so that neither they nor a number beside them run together.
    parts = _DATE.split(text)
    return "".join(part if i % 2 else _DIGIT_RUN.sub(lambda m: mask(re.sub(r"\D", "", m.group())[-4:]), part)
                   for i, part in enumerate(parts))


def _derived(label: bytes) -> bytes:
    secret = current_app.config.get("PHONE_KEY") or current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, label, hashlib.sha256).digest()


def _fernet() -> Fernet:
    configured = current_app.config.get("PHONE_KEY")
    if configured:
        try:
            return Fernet(configured)
        except (ValueError, TypeError):
            pass  # not a Fernet key itself: derive one from it, as from SECRET_KEY
    return Fernet(base64.urlsafe_b64encode(_derived(b"worklog phone encryption")))


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode("ascii")


def decrypt(token: str | None) -> str | None:
    """The number, or None when erased or when the key has changed since it was stored."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def phone_hash(number: str) -> str:
    return hmac.new(_derived(b"worklog phone hash"), number.encode(), hashlib.sha256).hexdigest()


def mask(last4: str | None) -> str:
    """The masked form shown everywhere but the calling view: ``****1234``; an erased number is ``—``."""
    return f"****{last4}" if last4 else "—"


def protect(raw: object) -> tuple[str, str, str]:
    """(cipher, hash, last four digits) of a number to store. Raises InvalidPhone."""
    number = normalise(raw)
    return encrypt(number), phone_hash(number), number[-4:]
