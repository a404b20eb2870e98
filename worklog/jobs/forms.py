"""Forms of the jobs pages: starting a month close, running a failed job again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import DataRequired

from worklog.fields import MonthField


class MonthCloseForm(FlaskForm):
    # The route checks the unit (404 outside the person's scope, as everywhere), not the list of choices.
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()], validate_choice=False)
    month = MonthField(_l("Month"), validators=[DataRequired()])
    subtree = BooleanField(_l("Also every unit under it"), default=True)
    submit = SubmitField(_l("Close the month"))


class RunAgainForm(FlaskForm):
    submit = SubmitField(_l("Run the rest again"))


class ExportForm(FlaskForm):
    submit = SubmitField(_l("Export in the background"))
