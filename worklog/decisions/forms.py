"""Forms of the decisions and honours pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from worklog.choices import choices
from worklog.decisions.labels import HONOUR_KIND_LABELS
from worklog.fields import DateField

#: The largest id and version the database holds (a 32-bit integer).
MAX_ID = 2 ** 31 - 1


def _version(value):
    """The version a form was read at: a whole number, or None when it cannot be read."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= MAX_ID else None


class PicksField(Field):
    """The officers ticked in a list: each box's value is ``<person id>:<version>`` (the version of the officer's
    decision as the page showed it, 0 for none; a list without versions sends the id alone). Read as (id, version)
    pairs; a value that is not one is refused as a whole."""

    def _value(self):
        return ""

    def process_formdata(self, valuelist):
        self.data = []
        for text in valuelist:
            person, _sep, version = str(text).partition(":")
            try:
                pid = int(person)
                number = int(version) if version else None
            except ValueError:
                self.data = []
                raise ValueError(_l("The officers chosen could not be read: reload the page."))
            if not 0 < pid <= MAX_ID or (number is not None and not 0 <= number <= MAX_ID):
                self.data = []
                raise ValueError(_l("The officers chosen could not be read: reload the page."))
            self.data.append((pid, number))

    def process_data(self, value):
        self.data = list(value or [])


def _outcome():
    return SelectField(_l("Decision taken"), validators=[InputRequired(message=_l("Choose what was decided."))])


def _decided_on():
    return DateField(_l("Decided on"), validators=[InputRequired(message=_l("Give the date it was decided."))])


def _reference():
    return StringField(_l("Document reference"), validators=[Optional(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. 示公人〔2026〕12号")})


class DecisionForm(FlaskForm):
    """One officer's outcome: of a round, or of a warning or removal list."""
    outcome = _outcome()
    decided_on = _decided_on()
    reference = _reference()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Record"))


class BulkDecisionForm(FlaskForm):
    """One outcome, date and reference for the officers ticked on a page of a round's list."""
    people = PicksField()
    outcome = _outcome()
    decided_on = _decided_on()
    reference = _reference()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    submit = SubmitField(_l("Record for the officers ticked"))


class HonourForm(FlaskForm):
    badge = StringField(_l("Officer's badge number"), validators=[
        InputRequired(message=_l("Give the officer's badge number.")), Length(max=20)])
    kind = SelectField(_l("Honour"), choices=choices(HONOUR_KIND_LABELS.items()),
                       validators=[InputRequired(message=_l("Choose the kind of honour."))])
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Give the honour's title.")),
                                                 Length(max=120)],
                        render_kw={"placeholder": _l("e.g. 个人三等功, 优秀公务员")})
    decided_on = _decided_on()
    reference = _reference()
    reason = TextAreaField(_l("Reason for the honour"), validators=[
        InputRequired(message=_l("Give the reason for the honour.")), Length(max=500)], render_kw={"rows": 2})
    submit = SubmitField(_l("Record the honour"))


class AcceptForm(FlaskForm):
    """The honour given to the proposed officers ticked: one title, date and reference for all."""
    people = PicksField()
    kind = HiddenField()
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Give the honour's title.")),
                                                 Length(max=120)])
    decided_on = _decided_on()
    reference = _reference()
    submit = SubmitField(_l("Give it to the officers ticked"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Why it is revoked"), validators=[InputRequired(message=_l("Give the reason.")),
                                                                Length(max=500)], render_kw={"rows": 3})
    version = HiddenField(filters=[_version])
    submit = SubmitField(_l("Revoke the honour"))
