"""Forms of the indicators' pages. The grids (a target per unit, a share per department, a monthly target per
officer) are built for the rows they show: a field per row, named by the row's id."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from worklog.choices import Select, choices
from worklog.fields import DateField, DecimalField
from worklog.indicators.labels import MEASURE_LABELS, RULE_LABELS

AMOUNT = [Optional(), NumberRange(min=0, max=999_999_999_999, message=_l("Give an amount from 0 up."))]


class PlanForm(FlaskForm):
    valid_from = DateField(_l("Takes effect on"), validators=[DataRequired()])
    dimensions = TextAreaField(_l("Dimensions, one per line"), validators=[DataRequired(), Length(max=400)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save the version"))


class IndicatorForm(FlaskForm):
    dimension = SelectField(_l("Dimension"), validators=[DataRequired()], widget=Select())
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    measure = SelectField(_l("Measured by"), validators=[DataRequired()],
                          choices=choices(MEASURE_LABELS.items()), widget=Select())
    category = SelectField(_l("Task category (ledger points)"), validators=[Optional()], validate_choice=False,
                           widget=Select())
    fact_type = StringField(_l("Source and fact type (work facts), as source:type"),
                            validators=[Optional(), Length(max=110)])
    rule = SelectField(_l("Scored by"), validators=[DataRequired()], choices=choices(RULE_LABELS.items()),
                       widget=Select())
    cap = DecimalField(_l("Cap (share of the target, %)"), places=0, default=100,
                       validators=[Optional(), NumberRange(min=100, max=200)])
    steps = StringField(_l("Steps (share of the target in %: score)"), validators=[Optional(), Length(max=200)])
    per_unit = DecimalField(_l("Points off per unit of the value"), places=2, default=1,
                            validators=[Optional(), NumberRange(min=0, max=100)])
    weight = DecimalField(_l("Weight"), places=2, validators=[DataRequired(), NumberRange(min=0.01, max=1000)])
    personal = BooleanField(_l("Broken down to officers as their monthly workload target"))
    submit = SubmitField(_l("Save the indicator"))


class ActionForm(FlaskForm):
    """A button: CSRF and nothing else."""
    submit = SubmitField(_l("Remove"))


class ValueForm(FlaskForm):
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()], widget=Select())
    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(), Length(max=7)])
    value = DecimalField(_l("Value"), places=2, validators=[InputRequired(message=_l("Give the value."))] + AMOUNT[1:])
    evidence = StringField(_l("Evidence"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Save the value"))


class YearForm(FlaskForm):
    class Meta:
        csrf = False
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])


def grid_form(prefix: str, rows: list[tuple[int, str]], submit: str, places: int = 2) -> FlaskForm:
    """A form with an amount field ``<prefix>_<id>`` per row, labelled with the row's name."""

    class Grid(FlaskForm):
        pass

    for row_id, label in rows:
        setattr(Grid, f"{prefix}_{row_id}", DecimalField(label, places=places, validators=AMOUNT))
    Grid.submit = SubmitField(submit)
    return Grid()
