"""Authentication: Flask-Login wired to server-side sessions."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from worklog.extensions import login_manager


def init_app(app: Flask) -> None:
    from worklog.auth import routes, services

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Sessions are checked on the server at every request; the remember-me cookie is never used.
    login_manager.session_protection = "basic"
    login_manager.user_loader(services.load_session)
    app.register_blueprint(routes.bp)

    @app.before_request
    def _force_password_change():
        if request.path.startswith("/api/"):
            return None  # the API's clients are systems with tokens, not people with passwords
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in ("auth.change_password", "auth.sign_out", "auth.set_language",
                                             "static")):
            return redirect(url_for("auth.change_password"))
        return None
