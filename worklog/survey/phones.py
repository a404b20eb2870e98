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


class InFull(str):
    """A number the survey's calling view shows in full: the one text that the pages' masking lets through
    (:func:`worklog.privacy.finalize`)."""

    __slots__ = ()


def dial_link(number: InFull) -> InFull:
    """The calling view's ``tel:`` address of a number shown in full: one tap dials it on a phone or a
    softphone. Digits only (a leading + kept), so that what the page writes is what is dialled."""
    plus = "+" if number.strip().startswith("+") else ""
    return InFull("tel:" + plus + re.sub(r"\D", "", number))


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


#: What counts as a phone number in free text, wherever it is shown, stored, logged or exported:
#:
#: - a mobile: 11 digits beginning 1[3-9];
#: - a landline with its area code: 0, an area code (10, 2X: three digits with the 0; any other: four), then a
#:   local number of 7 or 8 digits beginning 2-9 (10 to 12 digits in all);
#: - a local landline without its area code: 7 or 8 digits beginning 2-9, written as one group or as 3-4 digits
#:   then 4; not when the 8 digits are a date (20261129);
#: - any of these after +86 or 0086 (the area code's 0 then left out or not).
#:
#: Digits may be ASCII, full-width (０-９) or Chinese (〇零一二三四五六七八九, and 幺 for 1, as numbers are read
#: aloud). Between groups of digits any of the separators below may stand, one to three of them (dots,
#: underscores, slashes, hyphens and dashes, spaces of any kind, their full-width forms), and the area code may
#: be in brackets, ASCII or full-width. A phone is made of at most four groups of at least three digits each
#: (besides the country code): so "139.1234.5678" and "(0571)8765.4321" are numbers, while dates (2026-11-29),
#: points (12.50, "13.50 12.25 10.00"), six-digit badge numbers, codes glued to Latin letters (J2026001) and
#: longer codes (an 18-digit identity number) are not. A group of digits is never split: "139123456789" is not a phone
#: followed by a 9.
_DIGIT_CHARS = {**{chr(0xFF10 + i): str(i) for i in range(10)},
                **dict(zip("〇零一二三四五六七八九", "00123456789")), "幺": "1"}
_TO_ASCII = str.maketrans(_DIGIT_CHARS)
_ANY_DIGIT = re.compile("[0-9%s]" % "".join(_DIGIT_CHARS))
_SEP = r" \t\u00a0\u2000-\u200b\u3000._/\\\-\u2010-\u2015\u2212\uff0e\uff3f\uff0f\uff3c\uff0d\u30fb\u00b7()\uff08\uff09"
#: A candidate: digits (seen through _TO_ASCII) with up to three separators between them, after an optional
#: + and bracket. Never taken from inside a longer run of digits, nor from a code glued to Latin letters
#: (a case reference J2026001, a file's hash).
_RUN = re.compile(r"(?<![0-9A-Za-z])[+\uff0b]?[(\uff08]?[0-9]+(?:[%s]{1,3}[0-9]+)*(?![0-9A-Za-z])" % _SEP)
_GROUP = re.compile(r"[0-9]+")
_PHONE_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_AREA = re.compile(r"0(?:10|2\d|[3-9]\d{2})[2-9]\d{6,7}")
_PHONE_LOCAL = re.compile(r"[2-9]\d{6,7}")
_MAX_GROUPS = 4


def _is_date(digits: str) -> bool:
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    month, day_ = int(digits[4:6]), int(digits[6:])
    return 1 <= month <= 12 and 1 <= day_ <= 31


def _phone(groups: list[str], plus: bool) -> bool:
    """Do these groups of digits, written one after the other, make one phone number?"""
    digits = "".join(groups)
    international = False
    if digits.startswith("0086") or (plus and digits.startswith("86")):
        digits, international = digits[4:] if digits.startswith("0086") else digits[2:], True
        if groups[0] in ("86", "0086"):
            groups = groups[1:]
    if not groups or len(groups) > _MAX_GROUPS or any(len(g) < 3 for g in groups):
        return False
    if _PHONE_MOBILE.fullmatch(digits) or _PHONE_AREA.fullmatch(digits):
        return True
    if international:
        return bool(_PHONE_AREA.fullmatch("0" + digits))
    sizes = [len(g) for g in groups]
    return bool(_PHONE_LOCAL.fullmatch(digits)) and not _is_date(digits) and (
        sizes in ([7], [8], [3, 4], [4, 4]))


def _mask_run(run: str, view: str) -> str:
    """``run`` (the original text) with each phone number in it masked; ``view`` is the same text, its digits
    in ASCII. The longest number starting at each group wins."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(view)]
    digits = [view[a:b] for a, b in groups]
    plus = view[:1] in ("+", "\uff0b")
    out, done, i = [], 0, 0
    while i < len(groups):
        for j in range(min(len(groups), i + _MAX_GROUPS + 1) - 1, i - 1, -1):
            if _phone(digits[i:j + 1], plus and i == 0):
                start, kept = groups[i][0], run[done:groups[i][0]]
                if i == 0:
                    # The leading + goes with the number, and so does a bracket closed within it: (0571)…
                    closed = any(c in ")\uff09" for c in view[start:groups[j][1]])
                    kept = "" if closed else "".join(c for c in kept if c in "(\uff08")
                out.append(kept + mask("".join(digits[i:j + 1])[-4:]))
                done, i = groups[j][1], j + 1
                break
        else:
            i += 1
    out.append(run[done:])
    return "".join(out)


def redact(text: str | None) -> str:
    """``text`` with every phone number in it (see the rule above) masked as ``****1234``: for free text
    (comments, reasons, descriptions, file names) and messages that may echo a cell holding a number."""
    if not text:
        return text or ""
    # Most texts hold fewer than 7 digits of any form: one quick scan answers for them (every page's every
    # text passes here).
    if len(text) < 7 or len(_ANY_DIGIT.findall(text)) < 7:
        return text
    masked = _redact_once(text)
    # The four digits a mask leaves may make a number with the digits after them ("2002000_0000" masks as
    # "****2000_0000", in which "2000_0000" is a number): mask again until nothing changes, so that what is
    # shown holds no number at all. Each pass only hides digits, so this ends.
    while masked != text:
        text, masked = masked, _redact_once(masked)
    return masked


def _redact_once(text: str) -> str:
    if len(_ANY_DIGIT.findall(text)) < 7:
        return text
    view = text.translate(_TO_ASCII) if not text.isascii() else text
    out, done = [], 0
    for match in _RUN.finditer(view):
        a, b = match.span()
        if b - a < 7:
            continue  # too short to hold a number: most runs, so the common case costs one regex pass
        out.append(text[done:a] + _mask_run(text[a:b], view[a:b]))
        done = b
    out.append(text[done:])
    return "".join(out)


def redact_value(value):
    """A JSON-ready value (an audit event's before/after) with every text in it redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item) for item in value]
    return value


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
