"""``GET /``: the web chat page, in the locale asked for (``?lang=``) or the browser's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.i18n.locales import HTML_LANG, LOCALES, NATIVE_NAMES, direction, to_locale
from bot.web.services import services


def negotiate_locale(accept_language: str | None, default: str) -> str:
    """Pick one of the five locales from an Accept-Language header."""
    if not accept_language:
        return default
    weighted = []
    for part in accept_language.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        loc = to_locale(lang)
        if loc:
            weighted.append((weight, loc))
    return max(weighted)[1] if weighted else default


async def webchat_page(request: Request) -> HTMLResponse:
    svc = services(request)
    locale = to_locale(request.query_params.get("lang")) or negotiate_locale(
        request.headers.get("accept-language"), svc.settings.default_locale
    )
    return svc.templates.TemplateResponse(
        request,
        "webchat.html",
        {
            "locale": locale,
            "html_lang": HTML_LANG[locale],
            "dir": direction(locale),
            "languages": [(loc, NATIVE_NAMES[loc], direction(loc)) for loc in LOCALES],
        },
    )
