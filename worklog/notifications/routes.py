"""A person's notification settings: their mail address, the language of their mails, which kinds also come by
mail, and whether as one daily digest."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import NotificationSetting
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.i18n import LANGUAGE_NAMES
from worklog.notifications import services
from worklog.notifications.forms import SettingsForm
from worklog.notifications.kinds import SUGGESTED, kinds_for
from worklog.permissions import roles_of
from worklog.web import current_person, refuse, rollback_only, signed_in_blueprint

bp = signed_in_blueprint("notifications", __name__)


@bp.route("/notifications/settings", methods=["GET", "POST"])
def settings():
    person = current_person()
    setting = db.session.get(NotificationSetting, person.id)
    offered = kinds_for(roles_of(person))
    form = SettingsForm()
    form.language.choices = [("", _("The site's default"))] + [
        (code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]
    form.mail_kinds.choices = [(kind.code, str(kind.label)) for kind in offered]
    if request.method == "GET":
        form.email.data = person.email or ""
        form.language.data = person.language or ""
        form.digest.data = bool(setting and setting.digest)
        form.mail_kinds.data = list(setting.mail_kinds or []) if setting is not None \
            else [kind.code for kind in offered if kind.code in SUGGESTED]
    elif form.validate_on_submit():
        try:
            services.save_settings(person, {"email": form.email.data, "language": form.language.data,
                                            "mail_kinds": form.mail_kinds.data, "digest": form.digest.data}, person)
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.settings"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        rollback_only()
        return _page(form, setting), 422
    return _page(form, setting)


def _page(form: SettingsForm, setting: NotificationSetting | None):
    return render_template("notifications/settings.html", form=form, setting=setting,
                           mail_on=bool(current_app.config.get("MAIL_SERVER")))
