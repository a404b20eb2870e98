"""Points of a daily entry (DESIGN §4): quantity × standard points × completion × post coefficient."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

#: Self-assessed completion (完成 / 基本完成 / 未完成) and its default factor.
COMPLETION_FACTORS: dict[str, Decimal] = {
    "done": Decimal("1.00"),
    "mostly": Decimal("0.80"),
    "not_done": Decimal("0.00"),
}


def round_points(value: Decimal) -> Decimal:
    """Points are kept to the cent, halves rounded up, the way a ledger clerk rounds."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def entry_points(quantity: Decimal, standard_points: Decimal, completion_factor: Decimal,
                 coefficient: Decimal) -> Decimal:
    if quantity < 0 or standard_points < 0 or completion_factor < 0 or coefficient < 0:
        raise ValueError("points factors cannot be negative")
    return round_points(quantity * standard_points * completion_factor * coefficient)
