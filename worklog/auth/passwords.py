"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l

#: Common passwords seen in Chinese leaks that the general list does not carry.
_EXTRA_COMMON = {
    "woaini1314", "woaini520", "5201314", "1314520", "a123456", "a12345678", "a123456789", "aa123456",
    "qq123456", "abc123456", "123456abc", "wang1234", "zhang123", "li123456", "iloveyou", "jingcha110",
    "police110", "gongan110", "110110110", "88888888", "66666666", "11111111", "00000000", "147258369",
    "123qwe123", "1qaz2wsx", "qwe123456", "asd123456", "zxc123456", "password1", "passw0rd", "p@ssw0rd",
}


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"]) | _EXTRA_COMMON


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=int(cfg["ARGON2_TIME_COST"]), memory_cost=int(cfg["ARGON2_MEMORY_COST"]),
                          parallelism=int(cfg["ARGON2_PARALLELISM"]), type=Type.ID)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so that timing does not tell which accounts exist.
        _dummy_verify(password)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _dummy_verify(password: str) -> None:
    dummy = current_app.extensions.get("worklog.dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["worklog.dummy_hash"] = hash_password("not-a-real-password-9f3a")
    try:
        hasher().verify(dummy, password)
    except VerificationError:
        pass


#: zxcvbn's feedback (English, from its own code) in our catalog, so that it reaches the person in their language.
_FEEDBACK = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is a very common password."),
    "This is a top-100 common password.": _l("This is a very common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
}


def guesser_words(badge: str = "", name: str = "") -> list[str]:
    """What a guesser tries first against this person: the badge, the name and its pinyin (whole, surname last,
    initials), the site's words and the units' names with their pinyin."""
    from pypinyin import Style, lazy_pinyin
    from sqlalchemy import select
    from models import Unit
    from worklog.extensions import db

    words = [badge, name] if badge or name else []
    if name:
        syllables = [s for s in lazy_pinyin(name) if s.isascii()]
        if syllables:
            words += ["".join(syllables), "".join(syllables[1:] + syllables[:1]),
                      "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))] + syllables
    site = list(current_app.config["PASSWORD_SITE_WORDS"])
    site += list(db.session.scalars(select(Unit.name)))
    for word in site:
        words.append(word)
        if not word.isascii():
            words.append("".join(s for s in lazy_pinyin(word) if s.isascii()))
    return [w.lower() for w in dict.fromkeys(words) if w and len(w) >= 2]


def password_problems(password: str, badge: str = "", name: str = "") -> list[str]:
    """What is wrong with a new password, as messages for the person choosing it (empty when fine)."""
    cfg = current_app.config
    low, high = int(cfg["PASSWORD_MIN_LENGTH"]), int(cfg["PASSWORD_MAX_LENGTH"])
    problems = []
    if len(password) < low:
        problems.append(_("The password must have at least %(n)d characters.", n=low))
    if len(password) > high:
        problems.append(_("The password may have at most %(n)d characters.", n=high))
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) <= 2:
        problems.append(_("This password is too common; choose one that is harder to guess."))
    if badge and badge.lower() in lowered:
        problems.append(_("The password must not contain your badge number."))
    if not problems:
        problems = _strength_problems(password, guesser_words(badge, name))
    return problems


def _strength_problems(password: str, words: list[str]) -> list[str]:
    """Length and a list of common passwords let ``Jingwu-2027`` through: zxcvbn estimates how many guesses a
    password takes, knowing what a guesser here tries first (the person's name in pinyin, the site's words)."""
    from zxcvbn import zxcvbn
    # zxcvbn refuses more than 72 characters unless told; the length itself was checked before.
    result = zxcvbn(password, user_inputs=words, max_length=max(72, len(password)))
    if result["guesses_log10"] >= float(current_app.config["PASSWORD_MIN_GUESSES_LOG10"]):
        return []
    problems = [_("This password is too easy to guess.")]
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        problems.append(_("It is built on your badge number, your name (or its pinyin), or this site's or your "
                          "unit's words, which a guesser tries first."))
    feedback = result["feedback"]
    for text in [feedback.get("warning")] + list(feedback.get("suggestions") or []):
        if text in _FEEDBACK and str(_FEEDBACK[text]) not in problems:
            problems.append(str(_FEEDBACK[text]))
    problems.append(_("Use a longer password of several uncommon words, with digits or signs between them."))
    return problems
