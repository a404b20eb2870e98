"""Languages: negotiated from the browser, switchable on every page, remembered in the session."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup

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
    app.context_processor(template_gettext)


def template_gettext() -> dict:
    """The templates' ``_()`` and ``ngettext()``, bound to the page's translations once per page. Flask-Babel's own
    look the translations up through the request context at every string, which on a week of entries (a few
    hundred strings) was a quarter of the page's rendering. They behave as Jinja's new-style gettext does: the
    result is safe markup, formatted with the keyword arguments."""
    translations = get_translations()
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context, string: str, **variables):
        text = ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"gettext": gettext, "ngettext": ngettext}


def _translations_dir(app: Flask) -> str:
    import os
    return os.path.join(os.path.dirname(__file__), "translations")
