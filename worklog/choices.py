"""Choices for select fields, in the shape WTForms 3.3 expects (plain tuples are deprecated there)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[Any, Any]], optgroup: str | None = None) -> list[SelectChoice]:
    return [SelectChoice(str(value), label, optgroup=optgroup) for value, label in pairs]


def grouped(groups: Mapping[str, Iterable[tuple[Any, Any]]]) -> list[SelectChoice]:
    """Choices in option groups: {group label: [(value, label), ...]}."""
    return [choice for group, pairs in groups.items() for choice in choices(pairs, optgroup=str(group))]
