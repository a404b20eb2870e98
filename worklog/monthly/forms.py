"""Forms of the month page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from worklog.choices import choices
from worklog.fields import DateField, DecimalField

ADJUSTMENT_KINDS = choices([("commendation", _l("Commendation (bonus)")),
                            ("discipline", _l("Attendance or discipline (from the base)")),
                            # Inspection findings reach the month by themselves; these are the panel's own.
                            ("quality", _l("Other enforcement-quality deduction, not an inspection finding "
                                           "(from quality)")),
                            ("complaint", _l("Complaint verified by the unit, not an inspection finding "
                                             "(from quality)"))])
GRADE_CHOICES = choices([("", _l("As proposed")), ("excellent", _l("Excellent")), ("competent", _l("Competent")),
                         ("basic", _l("Basically competent")), ("incompetent", _l("Incompetent"))])


class AdjustmentForm(FlaskForm):
    person = StringField(_l("Badge number"), validators=[DataRequired(), Length(max=20)])
    kind = SelectField(_l("Kind"), choices=ADJUSTMENT_KINDS, validators=[DataRequired()])
    points = DecimalField(_l("Points"), places=2, validators=[InputRequired(), NumberRange(min=0.01, max=100)],
                          render_kw={"inputmode": "decimal"})
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    evidence = StringField(_l("Evidence"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record"))


class VetoForm(FlaskForm):
    person = StringField(_l("Badge number"), validators=[DataRequired(), Length(max=20)])
    event_date = DateField(_l("Date"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Record the veto"))


class OverrideForm(FlaskForm):
    grade = SelectField(_l("Grade"), choices=GRADE_CHOICES, validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Set grade"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class ConfirmForm(FlaskForm):
    """The second step of an act that cannot be undone. Only the confirmation page, which says what will
    happen and to whom, sends ``confirm=yes``; the server refuses the act without it."""
    confirm = HiddenField("")
    submit = SubmitField(_l("Confirm"))

    def confirmed(self) -> bool:
        return self.confirm.data == "yes"


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("Why the result is wrong"), validators=[DataRequired(), Length(max=1000)],
                           render_kw={"rows": 4})
    submit = SubmitField(_l("File the appeal"))


class DecisionForm(FlaskForm):
    version = HiddenField()
    outcome = SelectField(_l("Decision"), choices=choices([("reject", _l("Reject")), ("uphold", _l("Uphold"))]),
                          validators=[DataRequired()])
    decision = StringField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    kind = SelectField(_l("Correction"), choices=choices([("", _l("No correction"))]) + ADJUSTMENT_KINDS,
                       validators=[Optional()])
    points = DecimalField(_l("Points"), places=2, validators=[Optional(), NumberRange(min=0.01, max=100)])
    submit = SubmitField(_l("Decide"))
