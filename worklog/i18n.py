"""Languages: negotiated from the browser, switchable on every page, remembered in the session."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session

from worklog.extensions import babel

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # commands, and services called from tests
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # Browsers say zh-CN, zh-Hans, zh…; every Chinese variant gets Simplified Chinese.
    best = request.accept_languages.best_match(["zh-CN", "zh", "zh-Hans", "en"])
    if best is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return "zh_CN" if best.startswith("zh") else "en"


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=_translations_dir(app),
    )


def _translations_dir(app: Flask) -> str:
    import os
    return os.path.join(os.path.dirname(__file__), "translations")
