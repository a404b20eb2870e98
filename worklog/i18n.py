"""Languages: negotiated from the browser, switchable on every page, remembered in the session; numbers written
as the language writes them."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
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
        if not variables and "%" not in text:  # what formatting would give back, without the cost
            return Markup(text) if context.eval_ctx.autoescape else text
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"gettext": gettext, "ngettext": ngettext, "number_locale": str(get_locale())}


@lru_cache(maxsize=256)
def number_format(fmt: str, locale: str) -> Callable[[Any], str]:
    """A function writing numbers in the CLDR pattern ``fmt`` (``#,##0.00``) in ``locale``, exactly as Babel's
    ``NumberPattern.apply`` writes them, but with the pattern parsed and the locale's symbols looked up once: a
    table of a hundred officers has two hundred figures, and Babel took 10 µs for each. Patterns with exponents,
    percent, significant digits, currency or quoted text are left to Babel."""
    pattern = parse_pattern(fmt)
    babel_locale = Locale.parse(locale)
    decimal_symbol, group_symbol = get_decimal_symbol(babel_locale), get_group_symbol(babel_locale)
    # Babel removes quotes from what it writes, a quote used as a group separator (Swiss French) included.
    texts = pattern.prefix + pattern.suffix + (decimal_symbol, group_symbol)
    if pattern.exp_prec or pattern.scale or "@" in pattern.pattern or any("'" in t or "¤" in t for t in texts):
        return lambda value: pattern.apply(value, babel_locale)
    quantum = Decimal(10) ** -pattern.frac_prec[1]
    min_int, (min_frac, max_frac) = pattern.int_prec[0], pattern.frac_prec
    first_group, other_groups = pattern.grouping
    prefix, suffix = pattern.prefix, pattern.suffix

    def apply(value) -> str:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if not value.is_finite():
            return pattern.apply(value, babel_locale)
        negative = int(value.is_signed())
        whole, _, fraction = f"{abs(value).normalize().quantize(quantum):f}".partition(".")
        if len(whole) < min_int:
            whole = "0" * (min_int - len(whole)) + whole
        grouped, size = "", first_group
        while len(whole) > size:
            grouped = group_symbol + whole[-size:] + grouped
            whole, size = whole[:-size], other_groups
        number = whole + grouped
        fraction = fraction or "0"
        if len(fraction) < min_frac:
            fraction += "0" * (min_frac - len(fraction))
        if max_frac and not (min_frac == 0 and int(fraction) == 0):
            while len(fraction) > min_frac and fraction[-1] == "0":
                fraction = fraction[:-1]
            number += decimal_symbol + fraction
        return prefix[negative] + number + suffix[negative]

    return apply


def _translations_dir(app: Flask) -> str:
    import os
    return os.path.join(os.path.dirname(__file__), "translations")
