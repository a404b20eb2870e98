"""Explanations as data: a phrase is a code and its named values, worded only when shown
(``worklog/explanations.py`` holds the wording of every code, in the catalogs' languages).

Values are plain JSON: texts (amounts as exact Decimal strings), whole numbers, other phrases, or lists of
phrases. A phrase is stored as it is built (a month's results, a round's list), so a code, once written, keeps
its meaning and its values' names: change the wording, never the code.
"""
from __future__ import annotations

from typing import Any

Phrase = dict[str, Any]


def phrase(code: str, **args: Any) -> Phrase:
    """The phrase ``code`` with its named values."""
    return {"code": code, "args": args}


class RuleProblem(ValueError):
    """A refused value, as data: the form layer words ``code`` with ``args`` (see ``worklog.explanations``).
    ``str()`` gives the code and values, for logs and for programmers."""

    def __init__(self, code: str, **args: Any):
        self.code, self.args_ = code, args
        super().__init__(code + (" " + repr(args) if args else ""))

    @property
    def phrase(self) -> Phrase:
        return phrase(self.code, **self.args_)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleProblem) and (self.code, self.args_) == (other.code, other.args_)

    def __hash__(self) -> int:
        return hash(self.code)
