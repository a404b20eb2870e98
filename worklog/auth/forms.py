"""Sign-in, password and language forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class SignInForm(FlaskForm):
    badge = StringField(_l("Badge number"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField("")
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class SignOutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))


class LanguageForm(FlaskForm):
    """On every page. Its fields are never labelled on screen; an empty label spares WTForms from making one from
    the field's name and loading its own message catalog to translate it, on every request."""
    lang = StringField("", validators=[DataRequired(), Length(max=8)])
    next = HiddenField("")
