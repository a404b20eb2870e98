"""The form of a person's notification settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # A kind not offered is refused by the service, worded for the person, not by WTForms' own message.
        pass


class SettingsForm(FlaskForm):
    email = StringField(_l("Mail address"), validators=[Length(max=254)],
                        render_kw={"type": "email", "inputmode": "email", "autocomplete": "email"})
    language = SelectField(_l("Language of mails"), validate_choice=False)
    mail_kinds = MultiCheckboxField(_l("Also by mail"))
    digest = BooleanField(_l("One mail a day listing them all (a digest), in place of a mail for each"))
