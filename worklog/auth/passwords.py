"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

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
    return problems
