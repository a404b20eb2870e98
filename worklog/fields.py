"""Form fields whose values stay within what the application can compute with and store.

WTForms' own fields accept any value Python can parse: ``1e999999`` or ``sNaN`` as a decimal (which then breaks
rounding or comparing, a 500), a date in year 9999 or a month of year 1 (whose next month or week overflows
``date``, a 500). These fields refuse such values as a form error, in the person's language, before any
validator or service sees them. The forms import them in place of WTForms' fields of the same names.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import fields

from worklog.timekeeping import FIRST_YEAR, LAST_YEAR

#: No quantity, point or coefficient stored here reaches this (the widest column is Numeric(10, 2)); anything
#: larger is a typing mistake or an attack, and refused before arithmetic on it can overflow.
LARGEST = Decimal(10) ** 12


class _Refuses:
    """A field that refuses some values it can parse. The refusal is kept as the field's one error: DataRequired
    would otherwise replace it with "This field is required." about a value that was given."""

    refusal = None

    def refuse(self, message) -> None:
        self.data = None
        self.refusal = message
        raise ValueError(message)

    def process_formdata(self, valuelist):
        self.refusal = None
        super().process_formdata(valuelist)

    def post_validate(self, form, validation_stopped):
        super().post_validate(form, validation_stopped)
        if self.refusal is not None:
            self.errors[:] = [self.refusal]


class DecimalField(_Refuses, fields.DecimalField):
    """A decimal that is a finite number of reasonable size."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        value = self.data
        if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= LARGEST):
            self.refuse(_l("Enter a number of reasonable size."))


def _year_in_range(value: date | None) -> bool:
    return value is None or FIRST_YEAR <= value.year <= LAST_YEAR


class DateField(_Refuses, fields.DateField):
    """A date between the years 1900 and 2100."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if not _year_in_range(self.data):
            self.refuse(_l("Enter a date between the years %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


class MonthField(_Refuses, fields.MonthField):
    """A month (its first day) between the years 1900 and 2100."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if not _year_in_range(self.data):
            self.refuse(_l("Enter a month between the years %(first)d and %(last)d.",
                           first=FIRST_YEAR, last=LAST_YEAR))
