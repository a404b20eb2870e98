"""Forms of the day page."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from worklog.choices import Select, choices
from worklog.daily.services import MAX_DESCRIPTION, MAX_SELF_ASSESSMENT
from worklog.fields import DateField, DecimalField

COMPLETION_CHOICES = choices([("done", _l("Done")), ("mostly", _l("Mostly done")), ("not_done", _l("Not done"))])


class EntryForm(FlaskForm):
    task_type = SelectField(_l("Task"), coerce=int, validators=[DataRequired(message=_l("Choose a task."))],
                            widget=Select())
    quantity = DecimalField(_l("Quantity"), places=2,
                            validators=[InputRequired(message=_l("Give a quantity.")),
                                        NumberRange(min=Decimal("0.01"), message=_l("The quantity must be above 0."))],
                            render_kw={"inputmode": "decimal", "step": "any", "min": "0"})
    hours = DecimalField(_l("Hours"), places=2,
                         validators=[Optional(), NumberRange(min=0, max=24, message=_l("Hours must be between 0 and 24."))],
                         render_kw={"inputmode": "decimal", "step": "any", "min": "0", "max": "24"})
    completion = RadioField(_l("Completion"), choices=COMPLETION_CHOICES, default="done",
                            validators=[DataRequired(message=_l("Choose how far the task was completed."))])
    description = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=MAX_DESCRIPTION)],
                                render_kw={"rows": 2, "maxlength": MAX_DESCRIPTION})
    submit = SubmitField(_l("Add"))


class SubmitDayForm(FlaskForm):
    self_assessment = StringField(_l("Self-assessment of the day"),
                                  validators=[DataRequired(message=_l("Write a one-line self-assessment of the day.")),
                                              Length(max=MAX_SELF_ASSESSMENT)],
                                  render_kw={"maxlength": MAX_SELF_ASSESSMENT})
    submit = SubmitField(_l("Submit the day"))


class GoToDateForm(FlaskForm):
    class Meta:
        csrf = False

    day = DateField(_l("Date"), validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A POST-only button (delete, copy, favourite): the form carries only the CSRF token."""
    submit = SubmitField(_l("Confirm"))
