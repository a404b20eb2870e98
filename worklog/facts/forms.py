"""Forms of the work facts' administration pages: mappings, the waiting queue, the reconciliation, file feeds."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from worklog.choices import Select, choices
from worklog.facts.labels import QUANTITY_RULE_LABELS
from worklog.fields import DateField, DecimalField

FILE = [FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))]


class MappingForm(FlaskForm):
    """A source's fact type mapped to a task of the catalog (checked again by ``services.save_mapping``)."""
    source = StringField(_l("Source system"), validators=[DataRequired(), Length(max=40)],
                         description=_l("As the system is registered, e.g. jj110: small letters, digits, - or _."))
    fact_type = StringField(_l("Fact type"), validators=[DataRequired(), Length(max=60)],
                            description=_l("Exactly as the system sends it in the field type."))
    task_type = SelectField(_l("Task of the catalog"), coerce=int, validators=[DataRequired()], widget=Select())
    quantity_rule = SelectField(_l("How the quantity counts"), validators=[DataRequired()],
                                choices=choices(QUANTITY_RULE_LABELS.items()))
    multiplier = DecimalField(_l("Multiplier"), places=2, default=1,
                              validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=Decimal("9999.99"))])
    submit = SubmitField(_l("Save"))


class MappingImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=FILE)
    submit = SubmitField(_l("Import"))


class WaitingFilterForm(FlaskForm):
    """The waiting queue's filters, read from the address (no CSRF: a GET that changes nothing)."""

    class Meta:
        csrf = False

    # Not checked against the lists: an unknown value simply finds nothing.
    source = SelectField(_l("Source system"), validators=[Optional()], validate_choice=False, widget=Select())
    reason = SelectField(_l("Reason"), validators=[Optional()], validate_choice=False, widget=Select())


class MatchAgainForm(FlaskForm):
    """The "match again" button, for the facts the queue's filters show."""
    source = HiddenField(validators=[Optional(), Length(max=40)])
    reason = HiddenField(validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Match again"))


class ReconciliationForm(FlaskForm):
    class Meta:
        csrf = False

    source = StringField(_l("Source system"), validators=[Optional(), Length(max=40)])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class FeedUploadForm(FlaskForm):
    source = StringField(_l("Source system"), validators=[DataRequired(), Length(max=40)],
                         description=_l("Choose a known source or type a new name: small letters, digits, - or _."))
    file = FileField(_l("CSV or XLSX file"), validators=FILE)
    submit = SubmitField(_l("Send the facts"))
