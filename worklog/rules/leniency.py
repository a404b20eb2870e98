"""Supervisor leniency (issue 15): each supervisor's reviews beside their peers', and who stands out. Pure: plain
values in, plain values out.

Two measures of a supervisor's reviews are judged, each within a peer group (the supervisors of one unit and one
sequence: the sequence of the officers whose entries they reviewed):

- ``share``: of the entries they reviewed, the share they adjusted (approved with other points than the officer's)
  or returned (at least once). A lenient supervisor adjusts and returns little.
- ``ratio``: the points they approved ÷ the points the officers reported for the same (approved) entries. A lenient
  supervisor approves what is reported.

The rule, for each measure: take the supervisors of the group who reviewed at least ``min_entries`` entries (the
others are shown, not judged, and not counted as peers). If fewer than ``min_peers`` remain, nobody in the group is
judged: a median of two says little. Otherwise the group's median M and its median absolute deviation MAD give a
robust deviation s = max(1.4826 × MAD, ``floor``) (1.4826 × MAD estimates a standard deviation when the values are
normal; the floor keeps a group whose members all do the same from flagging a difference of a hair). A supervisor is
flagged when |value − M| > ``deviations`` × s: "lenient" when the value lies on the lenient side (a share below M,
a ratio above M), "strict" on the other. The median and MAD include the supervisor's own value: a single outlier
cannot move the median far, which is why a median is used and not a mean.

Everything is exact (``Fraction``); the figures given back are Decimals rounded for display.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Hashable, Iterable, Mapping

from worklog.rules.phrases import Phrase, phrase

#: 1 ÷ Φ⁻¹(3/4): the median absolute deviation times this estimates the standard deviation of a normal sample.
MAD_SCALE = Fraction("1.4826")
#: The measures judged, and the side each is lenient on (+1: a higher value is more lenient).
MEASURES = {"share": -1, "ratio": +1}
LENIENT, STRICT, MIXED = "lenient", "strict", "mixed"


@dataclass(frozen=True)
class Settings:
    """The rule set's numbers (``leniency_*`` fields of ``worklog.rules.ruleset.RuleValues``)."""
    deviations: Decimal = Decimal("3.00")
    floor: Decimal = Decimal("0.02")
    min_peers: int = 3
    min_entries: int = 20

    @classmethod
    def of(cls, rules) -> Settings:
        return cls(rules.leniency_deviations, rules.leniency_floor, rules.leniency_min_peers,
                   rules.leniency_min_entries)


@dataclass(frozen=True)
class Reviews:
    """What one supervisor did to the entries of one peer group (unit and sequence) in the period."""
    reviewed: int                  # entries they reviewed last (approved, adjusted, or returned)
    adjusted: int                  # approved with other points than the officer's
    returned: int                  # returned at least once
    adjusted_or_returned: int      # either (an entry returned then adjusted counts once)
    reported: Decimal              # the officers' points of the entries they approved
    approved: Decimal              # the points they approved for those entries

    def value(self, measure: str) -> Fraction | None:
        if measure == "share":
            return Fraction(self.adjusted_or_returned, self.reviewed) if self.reviewed else None
        return Fraction(self.approved) / Fraction(self.reported) if self.reported > 0 else None


@dataclass(frozen=True)
class Flag:
    measure: str        # "share" or "ratio"
    side: str           # LENIENT or STRICT
    value: Fraction
    median: Fraction
    deviation: Fraction  # the robust deviation s of the group
    score: Fraction      # (value − median) ÷ s

    @property
    def phrase(self) -> Phrase:
        """Why: the value, the peers' median, how many robust deviations away, and the limit."""
        above = self.score > 0
        code = ("leniency.share_high" if above else "leniency.share_low") if self.measure == "share" \
            else ("leniency.ratio_high" if above else "leniency.ratio_low")
        return phrase(code, value=percent(self.value), median=percent(self.median), score=figure(abs(self.score)),
                      deviation=percent(self.deviation))


@dataclass(frozen=True)
class Group:
    """A peer group's figures: the supervisors counted, and each measure's median and robust deviation (None when
    the group is too small to judge, or no supervisor has a value)."""
    counted: int
    judged: bool
    medians: dict[str, Fraction | None] = field(default_factory=dict)
    deviations: dict[str, Fraction | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Judgement:
    counted: bool                  # enough entries reviewed to count as a peer
    judged: bool                   # counted, in a group large enough
    flags: tuple[Flag, ...]
    why_not: Phrase | None         # why not judged

    @property
    def side(self) -> str | None:
        """LENIENT or STRICT when every flag points the same way, MIXED when they do not (lenient on one measure,
        strict on the other); None when nothing is flagged."""
        sides = {flag.side for flag in self.flags}
        return None if not sides else sides.pop() if len(sides) == 1 else MIXED


def median(values: list[Fraction]) -> Fraction:
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def judge(groups: Mapping[Hashable, Mapping[Hashable, Reviews]], settings: Settings
          ) -> tuple[dict[Hashable, Group], dict[tuple[Hashable, Hashable], Judgement]]:
    """({group: its figures}, {(group, supervisor): judgement}) for each group's supervisors."""
    if settings.deviations <= 0 or settings.floor < 0 or settings.min_peers < 1 or settings.min_entries < 1:
        raise ValueError("deviations must be above 0, the floor at least 0, the minimums at least 1")
    k, floor = Fraction(settings.deviations), Fraction(settings.floor)
    figures: dict[Hashable, Group] = {}
    judgements: dict[tuple[Hashable, Hashable], Judgement] = {}
    for group_key, members in groups.items():
        counted = {key: r for key, r in members.items() if r.reviewed >= settings.min_entries}
        judged = len(counted) >= settings.min_peers
        medians: dict[str, Fraction | None] = {}
        deviations: dict[str, Fraction | None] = {}
        for measure in MEASURES:
            values = [v for v in (r.value(measure) for r in counted.values()) if v is not None]
            if not judged or not values:
                medians[measure] = deviations[measure] = None
                continue
            middle = median(values)
            medians[measure] = middle
            deviations[measure] = max(MAD_SCALE * median([abs(v - middle) for v in values]), floor)
        figures[group_key] = Group(len(counted), judged, medians, deviations)
        for key, reviews in members.items():
            if key not in counted:
                why = phrase("leniency.few_entries", count=reviews.reviewed, least=settings.min_entries)
                judgements[group_key, key] = Judgement(False, False, (), why)
                continue
            if not judged:
                why = phrase("leniency.small_group", count=len(counted), least=settings.min_peers,
                             entries=settings.min_entries)
                judgements[group_key, key] = Judgement(True, False, (), why)
                continue
            flags = []
            for measure, lenient_side in MEASURES.items():
                value, middle, s = reviews.value(measure), medians[measure], deviations[measure]
                if value is None or middle is None or s is None or s == 0:
                    continue
                score = (value - middle) / s
                if abs(score) > k:
                    side = LENIENT if (score > 0) == (lenient_side > 0) else STRICT
                    flags.append(Flag(measure, side, value, middle, s, score))
            judgements[group_key, key] = Judgement(True, True, tuple(flags), None)
    return figures, judgements


def main_reviewer(counts: Mapping[Hashable, int]) -> Hashable | None:
    """Whose officer a person is, for a month: the supervisor who reviewed most of their entries that month (on a
    tie, the smallest key, so that the answer never depends on the order rows arrive in)."""
    best = None
    for key, n in counts.items():
        if n > 0 and (best is None or n > counts[best] or (n == counts[best] and key < best)):
            best = key
    return best


def grade_counts(grades: Iterable[str]) -> dict[str, int]:
    found = {"excellent": 0, "competent": 0, "basic": 0, "incompetent": 0}
    for grade in grades:
        found[grade] = found.get(grade, 0) + 1
    return found


def percent(value: Fraction | Decimal | None) -> str:
    """A share as text with two decimals: 0.3 → "30.00%"."""
    if value is None:
        return ""
    return f"{_round(Fraction(value) * 100, '0.01')}%"


def figure(value: Fraction | Decimal | None, places: str = "0.01") -> str:
    return "" if value is None else str(_round(value, places))


def _round(value: Fraction | Decimal, places: str) -> Decimal:
    value = Fraction(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)
