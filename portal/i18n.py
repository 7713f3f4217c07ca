"""Language choice and translated labels shared by every page."""

from typing import Any

from babel import support
from flask import Flask, current_app, g, request
from flask_babel import Domain, get_locale
from flask_babel import lazy_gettext as _l

from portal.domain.schemes import SCHEMES

LANG_COOKIE = "lang"
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh-hans": "zh_CN", "cn": "zh_CN",
            "en": "en", "en_us": "en", "en-us": "en", "en-gb": "en", "en_gb": "en"}

STATUS_LABELS = {
    "valid": _l("Valid"),
    "suspended": _l("Suspended"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}
STATUS_EXPLANATIONS = {
    "valid": _l("This certificate is in force."),
    "suspended": _l("This certificate is temporarily not in force. The holder may not claim "
                    "certification while it is suspended."),
    "withdrawn": _l("This certificate has been withdrawn by the certification body. It is no "
                    "longer in force and cannot be restored."),
    "cancelled": _l("This certificate has been cancelled. It is no longer in force."),
    "expired": _l("The validity period of this certificate has ended. It is no longer in force."),
}
AUDIT_TYPE_LABELS = {
    "initial": _l("Initial audit"),
    "surveillance": _l("Surveillance audit"),
    "recertification": _l("Recertification audit"),
    "special": _l("Special audit"),
}
EVENT_KIND_LABELS = {
    "issued": _l("Certificate issued"),
    "status": _l("Status changed"),
    "reissued": _l("Certificate re-issued"),
    "scope_extended": _l("Scope extended"),
    "scope_reduced": _l("Scope reduced"),
    "scope_changed": _l("Scope changed"),
    "renamed": _l("Holder renamed"),
    "corrected": _l("Record corrected"),
    "renewed": _l("Certificate renewed"),
}
CATEGORY_LABELS = {
    "management": _l("Management system certification"),
    "product": _l("Product certification"),
    "service": _l("Service certification"),
}


class PortalDomain(Domain):
    """Load the `zh_CN` catalog for Chinese: Babel ≥ 2.12 names the locale `zh_Hans_CN`, which
    gettext would only look up as `zh_Hans_CN` and `zh`. The catalogs are Flask-Babel's default
    folder, portal/translations/<lang>/LC_MESSAGES/messages.mo."""

    def get_translations(self) -> support.NullTranslations:
        from flask_babel import _get_current_context

        ctx = _get_current_context()
        if ctx is None:
            return support.NullTranslations()
        locale = get_locale()
        # A page asks for its catalog for every string: keep it on the request while the
        # locale stays the same object (force_locale swaps it, and then we look again).
        mine = getattr(ctx, "portal_translations", None)
        if mine is not None and mine[0] is locale:
            return mine[1]
        cache = self.get_translations_cache(ctx)
        key = (str(locale), self.domain[0])
        if key in cache:
            ctx.portal_translations = (locale, cache[key])
            return cache[key]
        names = ["zh_CN", "zh"] if locale.language == "zh" else [str(locale), locale.language]
        translations = support.Translations()
        for dirname in self.translation_directories:
            catalog = support.Translations.load(dirname, names, self.domain[0])
            translations.merge(catalog)
            if hasattr(catalog, "plural"):
                translations.plural = catalog.plural
        cache[key] = translations
        ctx.portal_translations = (locale, translations)
        return translations


def normalise_lang(value: str | None) -> str | None:
    """Map `zh`, `zh-CN`, `en-US`… to a supported locale, or None."""
    if not value:
        return None
    return _ALIASES.get(value.strip().lower().replace(" ", ""))


def pick_locale() -> str:
    """Choose the locale: `?lang=`, then the remembered choice, then Accept-Language."""
    chosen = normalise_lang(request.args.get("lang"))
    if chosen:
        g.remember_lang = chosen
        return chosen
    remembered = normalise_lang(request.cookies.get(LANG_COOKIE))
    if remembered:
        return remembered
    languages = current_app.config["LANGUAGES"]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best and best.startswith("en"):
        return "en"
    return languages[0] if best is None else "zh_CN"


def current_lang() -> str:
    """Return `zh` or `en` for the current request (for data fields in two languages)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def html_lang() -> str:
    """Return the BCP 47 tag for `<html lang>`."""
    return "en" if current_lang() == "en" else "zh-CN"


def scheme_label(code: str) -> str:
    """Return the scheme's name in the current language."""
    for scheme in SCHEMES:
        if scheme.code == code:
            return scheme.name_en if current_lang() == "en" else scheme.name_zh
    return code


def pick(zh: str | None, en: str | None) -> str:
    """Return the English text on English pages when there is one, else the Chinese."""
    if current_lang() == "en" and en:
        return en
    return zh or en or ""


def remember_language(response: Any) -> Any:
    """Remember a `?lang=` choice for a year in a cookie."""
    lang = g.get("remember_lang")
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=current_app.config.get("SESSION_COOKIE_SECURE",
                                                                         False))
    return response


def init_app(app: Flask) -> None:
    """Register the language cookie, the catalog loader and template helpers."""
    app.extensions["babel"].instance.domain_instance = PortalDomain()
    app.after_request(remember_language)
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS, STATUS_EXPLANATIONS=STATUS_EXPLANATIONS,
        AUDIT_TYPE_LABELS=AUDIT_TYPE_LABELS, EVENT_KIND_LABELS=EVENT_KIND_LABELS,
        CATEGORY_LABELS=CATEGORY_LABELS, scheme_label=scheme_label, pick=pick,
        current_lang=current_lang, html_lang=html_lang, SCHEMES=SCHEMES)
