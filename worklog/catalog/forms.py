"""Forms of the task catalog and calendar pages."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from worklog.admin.forms import CODE
from worklog.fields import DateField, DecimalField


class TaskCategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=0, max=9999)])
    submit = SubmitField(_l("Save"))


class TaskTypeForm(FlaskForm):
    code = StringField(_l("Code"), validators=CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    category = SelectField(_l("Category"), coerce=int, validators=[DataRequired()])
    sequence = SelectField(_l("Sequence"), coerce=lambda v: int(v) if v else 0, validators=[Optional()])
    posts = SelectMultipleField(_l("Only for these posts"), coerce=int, validators=[Optional()])
    unit_of_measure = StringField(_l("Unit of measure"), validators=[DataRequired(), Length(max=16)])
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


class NewTaskTypeForm(TaskTypeForm):
    standard_points = DecimalField(_l("Standard points"), places=2,
                                   validators=[InputRequired(), NumberRange(min=0, max=10000)])
    daily_cap = DecimalField(_l("Daily cap"), places=2, validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=100000)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])


class VersionForm(FlaskForm):
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    standard_points = DecimalField(_l("Standard points"), places=2,
                                   validators=[InputRequired(), NumberRange(min=0, max=10000)])
    daily_cap = DecimalField(_l("Daily cap"), places=2, validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=100000)])
    submit = SubmitField(_l("Set new values"))


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    working = SelectField(_l("Kind"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=60)])
    submit = SubmitField(_l("Save"))


class CatalogImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))])
    submit = SubmitField(_l("Import"))
