"""Forms of the survey pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from worklog.choices import choices
from worklog.fields import DecimalField, MonthField
from worklog.survey.labels import KIND_LABELS, OUTCOME_LABELS, VERIFIED_LABELS


class ContactImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))])
    submit = SubmitField(_l("Import"))


class DrawForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Kind of contact"), validators=[DataRequired()])
    month = MonthField(_l("Month"), validators=[DataRequired()])
    sample_size = IntegerField(_l("Sample size"), validators=[Optional(), NumberRange(min=1, max=1000)])
    submit = SubmitField(_l("Draw"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((k, label) for k, label in KIND_LABELS.items())


def _version(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CallForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), validators=[InputRequired()],
                         choices=choices(OUTCOME_LABELS.items()))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 4})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Record the outcome"))


class CorrectionForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), validators=[InputRequired()],
                         choices=choices(OUTCOME_LABELS.items()))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    reason = TextAreaField(_l("Reason for the correction"), validators=[DataRequired(), Length(max=500)],
                           render_kw={"rows": 3})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Correct the outcome"))


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 6})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Send the reply"))


#: The largest id the database holds (a 32-bit integer).
MAX_ID = 2 ** 31 - 1


def _unit_id(value) -> int:
    """A unit id, 0 for all units; a number no unit can have is refused (it would overflow the query)."""
    if not value:
        return 0
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError("not a unit id")
    return number


class FilterForm(FlaskForm):
    """The contacts list's filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=_unit_id, validators=[Optional()])
    kind = SelectField(_l("Kind of contact"), validators=[Optional()])
    month = MonthField(_l("Month"), validators=[Optional()])


class VerifyForm(FlaskForm):
    """The survey staff's call back on a follow-up the unit has replied to."""
    verified = RadioField(_l("Did the person find the matter resolved?"), validators=[InputRequired()],
                          choices=choices(VERIFIED_LABELS.items()))
    comment = TextAreaField(_l("What the person said"), validators=[Optional(), Length(max=1000)],
                            render_kw={"rows": 3})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Record the call back"))


class PraiseForm(FlaskForm):
    text = TextAreaField(_l("Praise heard"), validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 3})
    badge = StringField(_l("Badge number of the officer named (optional)"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Record the praise"))


class CommendForm(FlaskForm):
    badge = StringField(_l("Badge number"), validators=[Optional(), Length(max=20)])
    points = DecimalField(_l("Points"), places=2, validators=[InputRequired(), NumberRange(min=0.01, max=100)],
                          render_kw={"inputmode": "decimal"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)], render_kw={"rows": 3})
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    submit = SubmitField(_l("Make it a commendation"))
