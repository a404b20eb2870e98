"""A unit's bonus pool shared by grade coefficient × score (DESIGN §6), to the cent, and its spread.

Each officer's exact share is pool × weight ÷ total weight, computed in exact fractions. Everyone first gets
their share rounded down to the cent; the cents left over (fewer than the number of officers) go one at a
time to the largest remainders, so the amounts add up to the pool exactly and each is within a cent of the
exact share. Among equal remainders the larger weight gets the cent first, then the earlier in the list.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Hashable, Mapping

from worklog.rules.grading import BASIC, COMPETENT, EXCELLENT, INCOMPETENT

CENT = Decimal("0.01")

#: The source's grade coefficients.
DEFAULT_COEFFICIENTS: dict[str, Decimal] = {
    EXCELLENT: Decimal("1.3"),
    COMPETENT: Decimal("1.0"),
    BASIC: Decimal("0.7"),
    INCOMPETENT: Decimal("0"),
}


def _finite(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def distribute(pool: Decimal, items: list[tuple[Hashable, str, Decimal]],
               coefficients: Mapping[str, Decimal] | None = None) -> list[tuple[Hashable, Decimal]]:
    """(person id, amount) for each (person id, grade, score), in the order given.

    The pool must be a whole number of cents, ≥ 0; scores and coefficients ≥ 0. When every weight is 0
    (everyone incompetent, say) nothing can be shared and everyone gets 0.00.
    """
    coefficients = DEFAULT_COEFFICIENTS if coefficients is None else coefficients
    if not _finite(pool) or pool < 0:
        raise ValueError("the pool must be a finite Decimal ≥ 0")
    if pool != pool.quantize(CENT):
        raise ValueError("the pool must be a whole number of cents")
    for grade, coefficient in coefficients.items():
        if not _finite(coefficient) or coefficient < 0:
            raise ValueError(f"the coefficient of {grade} must be a finite Decimal ≥ 0")
    seen: set[Hashable] = set()
    weights: list[Fraction] = []
    for person_id, grade, score in items:
        if person_id in seen:
            raise ValueError(f"person {person_id} appears twice")
        seen.add(person_id)
        if grade not in coefficients:
            raise ValueError(f"person {person_id}: no coefficient for grade {grade!r}")
        if not _finite(score) or score < 0:
            raise ValueError(f"person {person_id}: the score must be a finite Decimal ≥ 0")
        weights.append(Fraction(coefficients[grade]) * Fraction(score))

    total = sum(weights, Fraction(0))
    if total == 0:
        return [(person_id, Decimal("0.00")) for person_id, _, _ in items]

    pool_cents = int(pool * 100)
    exact = [pool_cents * w / total for w in weights]
    cents = [share.numerator // share.denominator for share in exact]  # rounded down
    left = pool_cents - sum(cents)
    by_remainder = sorted(range(len(items)), key=lambda i: (-(exact[i] - cents[i]), -weights[i], i))
    for i in by_remainder[:left]:
        cents[i] += 1
    return [(person_id, (Decimal(c) / 100).quantize(CENT)) for (person_id, _, _), c in zip(items, cents)]


def spread(amounts: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """(highest, lowest, highest − lowest) of the amounts; all 0.00 when there are none."""
    if not amounts:
        zero = Decimal("0.00")
        return zero, zero, zero
    if not all(_finite(a) for a in amounts):
        raise ValueError("amounts must be finite Decimals")
    highest, lowest = max(amounts), min(amounts)
    return highest, lowest, highest - lowest
