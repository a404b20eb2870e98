"""The form of a new rule set version: a field per rule, a list for the choice fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from worklog.choices import choices
from worklog.fields import DateField
from worklog.rules.ruleset import CHOICES, FIELDS
from worklog.rulesets.labels import CHOICE_LABELS, FIELD_LABELS


class RuleSetForm(FlaskForm):
    valid_from = DateField(_l("Takes effect on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save the new version"))


for _name, _kind in FIELDS:
    if _kind == "choice":
        setattr(RuleSetForm, _name, SelectField(FIELD_LABELS.get(_name, _name), validators=[DataRequired()],
                                                choices=choices((c, CHOICE_LABELS[c]) for c in CHOICES[_name])))
    else:
        setattr(RuleSetForm, _name, StringField(FIELD_LABELS.get(_name, _name), validators=[DataRequired()]))
