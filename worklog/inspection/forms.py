"""Forms of the inspection pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from worklog.choices import choices
from worklog.fields import DateField, MonthField
from worklog.inspection.labels import CATEGORY_LABELS, TARGET_LABELS

#: The largest id the database holds (a 32-bit integer).
MAX_ID = 2 ** 31 - 1


def _id(value) -> int:
    """An id chosen in a list, 0 for none; a number no row can have is refused (it would overflow the query)."""
    if value in (None, "", "None"):
        return 0
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


def _version(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FindingForm(FlaskForm):
    target = RadioField(_l("The finding is about"), choices=choices(TARGET_LABELS.items()),
                        validators=[InputRequired(message=_l("Say whom the finding is about."))])
    unit = SelectField(_l("Unit"), coerce=_id, validators=[Optional()])
    department = SelectField(_l("Department"), coerce=_id, validators=[Optional()])
    badge = StringField(_l("Officer's badge number"), validators=[Optional(), Length(max=20)])
    found_on = DateField(_l("Date found"), validators=[InputRequired(message=_l("Give the date of the finding."))])
    category = SelectField(_l("Category"), choices=choices(CATEGORY_LABELS.items()),
                           validators=[InputRequired(message=_l("Choose the category of the finding."))])
    description = TextAreaField(_l("What was found"), validators=[
        InputRequired(message=_l("Describe what was found.")), Length(max=2000)], render_kw={"rows": 5})
    rectify = BooleanField(_l("Needs rectification by the unit"))
    evidence = MultipleFileField(_l("Evidence (PDF, JPEG or PNG)"))
    follow_up = HiddenField(filters=[_version])
    submit = SubmitField(_l("Record the finding"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("What the unit put right"), validators=[
        InputRequired(message=_l("Say what the unit put right.")), Length(max=2000)], render_kw={"rows": 5})
    evidence = MultipleFileField(_l("Evidence (PDF, JPEG or PNG)"))
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Send the answer"))


class AcceptForm(FlaskForm):
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Accept the rectification"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Why the answer is not accepted"), validators=[
        InputRequired(message=_l("Say why the answer is not accepted.")), Length(max=1000)], render_kw={"rows": 3})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Return to the unit"))


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawing"), validators=[
        InputRequired(message=_l("Give the reason.")), Length(max=500)], render_kw={"rows": 3})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Withdraw the finding"))


class FilterForm(FlaskForm):
    """The findings list's filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=_id, validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()])
    month = MonthField(_l("Month"), validators=[Optional()])


class LedgerForm(FlaskForm):
    """The rectification ledger's period (GET, no CSRF): a month, or else the year."""

    class Meta:
        csrf = False

    month = MonthField(_l("Month"), validators=[Optional()])
    year = SelectField(_l("Year"), coerce=_id, validators=[Optional()])
