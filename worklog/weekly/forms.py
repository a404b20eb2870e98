"""Forms of the supervisor's week. Review forms carry the version of the row the page showed.

Hidden fields get an empty label: without one, WTForms makes a label from the field's name and loads its own
message catalog to translate it, on every request that builds the form."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from worklog.fields import DateField, DecimalField


class ApproveForm(FlaskForm):
    version = HiddenField("")
    submit = SubmitField(_l("Approve"))


class AdjustForm(FlaskForm):
    version = HiddenField("")
    points = DecimalField(_l("Points"), places=2, validators=[InputRequired(message=_l("Give the points."))],
                          render_kw={"inputmode": "decimal", "step": "any"})
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason for adjusting the points.")),
                                                   Length(max=500)])
    submit = SubmitField(_l("Adjust and approve"))


class ReturnForm(FlaskForm):
    version = HiddenField("")
    comment = StringField(_l("What to correct"),
                          validators=[DataRequired(message=_l("Say what the officer should correct.")), Length(max=500)])
    submit = SubmitField(_l("Return"))


class SignForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Enter your password to sign."))],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign the week"))


class UnsignForm(FlaskForm):
    version = HiddenField("")
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason for reopening the week.")),
                                                   Length(max=500)])
    submit = SubmitField(_l("Reopen the week"))


class DelegationForm(FlaskForm):
    supervisor = StringField(_l("Supervisor's badge number (administrators only)"), validators=[Optional(), Length(max=20)])
    acting = StringField(_l("Acting supervisor's badge number"), validators=[DataRequired(), Length(max=20)])
    start_date = DateField(_l("First day"), validators=[DataRequired()])
    end_date = DateField(_l("Last day"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Name the acting supervisor"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(FlaskForm):
    task_type = SelectField(_l("Task"), coerce=int, validators=[DataRequired(message=_l("Choose a task."))])
    officers = MultiCheckboxField(_l("Officers"), coerce=int,
                                  validators=[DataRequired(message=_l("Choose at least one officer."))])
    expected_quantity = DecimalField(_l("Expected quantity"), places=2, default=1,
                                     validators=[InputRequired(), NumberRange(min=Decimal("0.01"))])
    due_date = DateField(_l("Due date"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Assign"))


class ActionForm(FlaskForm):
    version = HiddenField("")
    submit = SubmitField(_l("Confirm"))
