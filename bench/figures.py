"""How a figure is printed: ``name product floor ratio unit``, then ``key=value`` details (the spread).

The machine is shared and noisy, so a figure is never a bare number: the floor (the least the same work can
cost, measured in the same run, right beside it) says how far the product is from what the hardware allows.
``ratio`` is product ÷ floor; for a throughput (``req/s``) a higher ratio is better, for everything else lower.
"""
from __future__ import annotations

import math
import statistics
import sys
import time
from typing import Iterable

#: Every line printed, for whoever runs the bench as a library (the test reads them back).
PRINTED: list[str] = []


_STARTED = time.perf_counter()


def info(message: str) -> None:
    """Progress and context, to standard error (seconds since the start first): the figures alone go to standard
    output."""
    print(f"[{time.perf_counter() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def number(value: float | int | None) -> str:
    """Four significant digits, never an exponent (a column must read as a plain number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    if value == 0:
        return "0"
    digits = max(0, 3 - int(math.floor(math.log10(abs(value)))))
    return f"{value:.{digits}f}"


def ratio(product: float | None, floor: float | None) -> str:
    if product is None or floor is None or not floor or math.isnan(product) or math.isnan(floor):
        return "-"
    return f"{product / floor:.2f}"


def p50(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def p95(values: Iterable[float]) -> float:
    """The nearest-rank 95th percentile (with 30 samples: the second slowest)."""
    values = sorted(values)
    if not values:
        return float("nan")
    return values[max(0, math.ceil(0.95 * len(values)) - 1)]


def line(name: str, product: float | None, floor: float | None, unit: str, **details) -> str:
    """Print one figure; details follow the five columns as ``key=value``."""
    text = f"{name} {number(product)} {number(floor)} {ratio(product, floor)} {unit}"
    extra = " ".join(f"{k}={v if isinstance(v, str) else number(v)}" for k, v in details.items() if v is not None)
    if extra:
        text += " " + extra
    PRINTED.append(text)
    print(text, flush=True)
    return text


def comment(text: str) -> None:
    """A line of context among the figures (a parser skips lines starting with #)."""
    PRINTED.append(f"# {text}")
    print(f"# {text}", flush=True)


def timings(name: str, product: list[float], floor: list[float], unit: str = "s", **details) -> str:
    """Repeated timings: the medians, their ratio, and each side's spread."""
    return line(name, p50(product), p50(floor), unit, min=min(product, default=None),
                max=max(product, default=None), floor_min=min(floor, default=None),
                floor_max=max(floor, default=None), runs=len(product), **details)
