"""Sign-in, sign-out, password change and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from models import NotificationSetting
from worklog.auth import services
from worklog.extensions import db
from worklog.auth.forms import ChangePasswordForm, LanguageForm, SignInForm, SignOutForm
from worklog.auth.passwords import password_problems
from worklog.web import rollback_only, safe_next

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = _l("Sign-in failed: the badge number or password is wrong, or too many attempts were made. "
                    "Check them and try again in a few minutes.")


def _fresh_browser_session() -> None:
    """Drop everything the browser carried before (session fixation), keeping only the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        person = services.authenticate(form.badge.data, form.password.data)
        if person is not None:
            _fresh_browser_session()
            services.start_session(person)
            login_user(person)
            session.permanent = True
            target = url_for("auth.change_password") if person.must_change_password \
                else safe_next(form.next.data, url_for("home.index"))
            return redirect(target)
        flash(str(SIGN_IN_FAILED), "error")
        return render_template("auth/sign_in.html", form=form), 200
    if request.method == "POST":
        rollback_only()
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        services.sign_out(current_user._get_current_object())
        logout_user()
        _fresh_browser_session()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    person = current_user._get_current_object()
    if form.validate_on_submit():
        if not services.check_own_password(person, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
            # Answered like a refused sign-in (200, so the request commits): the failure must count.
            return render_template("auth/change_password.html", form=form), 200
        problems = password_problems(form.new.data, badge=person.badge, name=person.name)
        if form.new.data == form.current.data:
            form.new.errors.append(_("The new password must differ from the current one."))
        elif problems:
            form.new.errors.extend(problems)
        else:
            services.change_password(person, form.new.data, actor=person)
            # Every other browser is signed out; this one continues in a new session.
            _fresh_browser_session()
            services.start_session(person)
            login_user(person)
            session.permanent = True
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("home.index"))
    if request.method == "POST":
        rollback_only()
        return render_template("auth/change_password.html", form=form), 422
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated and db.session.get(NotificationSetting, current_user.id) is None:
            # Mails follow the language the person last chose to read in, until their mail settings choose one.
            current_user.language = form.lang.data
    return redirect(safe_next(form.next.data, url_for("home.index")))
