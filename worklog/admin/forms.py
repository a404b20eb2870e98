"""Forms of the administration pages."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField,
                     widgets)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from worklog.choices import Select, choices
from worklog.fields import DateField, DecimalField

CODE = [DataRequired(), Length(max=32),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("Use letters, digits, dot, dash or underscore only."))]
BADGE = [DataRequired(), Length(max=20),
         Regexp(r"^[A-Za-z0-9\-]+$", message=_l("A badge number has only letters, digits and dashes."))]


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class DepartmentForm(FlaskForm):
    code = StringField(_l("Code"), validators=CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class SequenceForm(FlaskForm):
    code = StringField(_l("Code"), validators=CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Save"))


class PostForm(FlaskForm):
    sequence = SelectField(_l("Sequence"), coerce=int, validators=[DataRequired()])
    code = StringField(_l("Code"), validators=CODE)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    coefficient = DecimalField(_l("Post coefficient"), places=2, default=1,
                               validators=[DataRequired(), NumberRange(min=Decimal("0.01"), max=3)])
    monthly_target_points = DecimalField(_l("Monthly target points"), places=2,
                                         validators=[DataRequired(), NumberRange(min=Decimal("0.01"), max=100000)])
    active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


class PersonForm(FlaskForm):
    badge = StringField(_l("Badge number"), validators=BADGE)
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=60)])
    rank = StringField(_l("Rank"), validators=[Optional(), Length(max=40)])
    hire_date = DateField(_l("Hire date"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class AssignmentForm(FlaskForm):
    department = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    post = SelectField(_l("Post"), coerce=int, validators=[DataRequired()])
    supervisor = StringField(_l("Supervisor's badge number"), validators=[Optional(), Length(max=20)])
    # InputRequired, not DataRequired: a date that does not parse must say so, not "required".
    valid_from = DateField(_l("From"), validators=[InputRequired()])
    submit = SubmitField(_l("Save assignment"))


class NewPersonForm(PersonForm, AssignmentForm):
    submit = SubmitField(_l("Create"))


class EndAssignmentForm(FlaskForm):
    last_day = DateField(_l("Last day"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("End assignment"))


class GrantForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    unit = SelectField(_l("Over unit"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Grant"))


class ReasonForm(FlaskForm):
    """For buttons that change state: the reason is recorded in the audit trail."""
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class ResetPasswordForm(FlaskForm):
    password = StringField(_l("Temporary password"), validators=[DataRequired(), Length(max=128)],
                           render_kw={"autocomplete": "off"})
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Set temporary password"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))])
    kind = SelectField(_l("What the CSV file holds"), choices=choices([
        ("", _l("Recognise from the column headings")), ("units", _l("Units")),
        ("departments", _l("Departments")), ("posts", _l("Posts")), ("people", _l("People"))]),
        validators=[Optional()])
    submit = SubmitField(_l("Import"))


class PeopleFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Badge number or name"), validators=[Optional(), Length(max=60)])
    # Not checked against the list (150 units on a province's page): the page keeps only a unit of the admin's
    # scope, and lists all of them for any other.
    unit = SelectField(_l("Unit"), coerce=lambda v: int(v) if v else 0, validators=[Optional()], widget=Select(),
                       validate_choice=False)


class ApiClientForm(FlaskForm):
    """Register a system, or change what it may do: its units, operations and rate limit."""
    name = StringField(_l("Name of the system"), validators=[DataRequired(), Length(max=120)])
    units = SelectMultipleField(_l("Units whose data it may send or read (each with the units under it)"),
                                coerce=int, validators=[DataRequired()])
    source = StringField(_l("Source name of its work facts"), validators=[Optional(), Length(max=40)],
                         description=_l("Short letters and digits, e.g. jj110; needed to send work facts."))
    operations = SelectMultipleField(_l("Operations it may use"), validators=[Optional()],
                                     widget=widgets.ListWidget(prefix_label=False),
                                     option_widget=widgets.CheckboxInput())
    rate_limit_per_minute = IntegerField(_l("Rate limit (requests per minute)"), default=60,
                                         validators=[InputRequired(), NumberRange(min=1, max=100000)])
    submit = SubmitField(_l("Save"))
