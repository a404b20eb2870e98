"""The police-service survey's random draw of people to call back (DESIGN §7), reproducible from a seed.

Candidates are contacts (a 110 report, a window visit, a complaint), each with the hash of the caller's phone
number. The draw shuffles the eligible contacts with ``random.Random(seed)`` and takes them in that order,
skipping a phone already taken, so every eligible contact has the same chance and a person is called at
most once per draw. A phone called within the no-repeat period (``recent_hashes``) is never drawn.

Candidates are sorted by id before the shuffle, so the same candidates, size and seed give the same draw
whatever order the caller's query returned them in. Record the seed with the draw to reproduce it.
"""
from __future__ import annotations

import random
from typing import Any, Collection


def draw(candidates: list[tuple[Any, str]], size: int, seed: int,
         recent_hashes: Collection[str] = frozenset()) -> list[Any]:
    """Up to ``size`` contact ids, in the order drawn: min(size, distinct eligible phones) of them.

    Ids must be unique and sortable among themselves; a phone hash is any string.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError("the sample size must be a whole number ≥ 0")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("the seed must be a whole number")
    ids = [contact_id for contact_id, _ in candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("a contact appears twice among the candidates")
    for contact_id, phone_hash in candidates:
        if not isinstance(phone_hash, str):
            raise ValueError(f"contact {contact_id}: the phone hash must be a string")
    recent = set(recent_hashes)
    eligible = sorted((c for c in candidates if c[1] not in recent), key=lambda c: c[0])
    random.Random(seed).shuffle(eligible)
    taken: set[str] = set()
    drawn: list[Any] = []
    for contact_id, phone_hash in eligible:
        if len(drawn) == size:
            break
        if phone_hash not in taken:
            taken.add(phone_hash)
            drawn.append(contact_id)
    return drawn
