"""Worklog: the Flask application factory."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Runs no query and no migration: the schema is made by ``flask db upgrade``."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("WORKLOG_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        instance_relative_config=True,
    )
    from worklog.config import load_config
    load_config(app, config)

    if app.config["PROXY_COUNT"]:
        from worklog.proxies import TrustedProxyFix
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, int(app.config["PROXY_COUNT"]), app.config["TRUSTED_PROXIES"])

    from worklog import i18n, integrity, web
    from worklog.extensions import csrf, db
    db.init_app(app)
    integrity.init_app(app)
    from worklog import bounds
    bounds.init_app(app)  # before CSRF protection, which reads the body
    csrf.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    from worklog import privacy
    privacy.init_app(app)

    from worklog.auth import init_app as init_auth
    init_auth(app)

    from worklog.admin.routes import bp as admin_bp
    from worklog.annual.routes import bp as hr_bp
    from worklog.catalog.routes import bp as catalog_bp
    from worklog.daily.routes import bp as daily_bp
    from worklog.decisions.routes import bp as decisions_bp
    from worklog.facts.routes import bp as facts_bp
    from worklog.home.routes import bp as home_bp
    from worklog.indicators.routes import bp as indicators_bp
    from worklog.inspection.routes import bp as inspection_bp
    from worklog.jobs.routes import bp as jobs_bp
    from worklog.leniency.routes import bp as leniency_bp
    from worklog.leadership.routes import bp as leadership_bp
    from worklog.ledgers.routes import bp as ledgers_bp
    from worklog.monthly.routes import bp as monthly_bp
    from worklog.notifications.routes import bp as notifications_bp
    from worklog.rulesets.routes import bp as rules_bp
    from worklog.survey.routes import bp as survey_bp
    from worklog.units.routes import bp as units_bp
    from worklog.weekly.routes import bp as weekly_bp
    app.register_blueprint(home_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(facts_bp)
    app.register_blueprint(hr_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(daily_bp)
    app.register_blueprint(ledgers_bp)
    app.register_blueprint(monthly_bp)
    app.register_blueprint(rules_bp)
    app.register_blueprint(weekly_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(units_bp)
    app.register_blueprint(indicators_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(inspection_bp)
    app.register_blueprint(decisions_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(leniency_bp)
    app.register_blueprint(leadership_bp)

    from worklog.api import limits
    from worklog.api.errors import ApiError, handle_api_error
    from worklog.api.routes import bp as api_bp
    csrf.exempt(api_bp)  # a token in a header, never a cookie: nothing for a forged form to ride on
    app.register_blueprint(api_bp)
    app.register_error_handler(ApiError, handle_api_error)
    limits.init_app(app, api_bp)

    from worklog.cli import register
    register(app)
    return app
