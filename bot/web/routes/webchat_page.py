"""``GET /``: the web chat page, in the locale asked for (``?lang=``) or the browser's.

The browser's language is only a first guess: the page follows the locale of the bot's
answers (the language the person writes in). Its own texts (title, placeholder, labels,
"linked as", sign out, delivery marks) come from the catalogs in all five locales, so the
page can switch without loading again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.i18n.locales import HTML_LANG, LOCALES, NATIVE_NAMES, direction, to_locale
from bot.i18n.render import Renderer
from bot.web.services import services

# The page's own texts (content/responses.yml), with the day names of its message times.
PAGE_TEXTS = (
    "webchat_title", "webchat_placeholder", "webchat_message_label", "webchat_send",
    "webchat_languages", "webchat_typing", "webchat_offline", "webchat_linked_as",
    "webchat_sign_out", "webchat_sign_out_question", "webchat_sign_out_yes",
    "webchat_sign_out_no", "webchat_signed_out", "webchat_reply_from", "webchat_delivered",
    "webchat_seen", "term_today", "term_yesterday",
)


def page_texts(renderer: Renderer) -> dict[str, dict[str, str]]:
    """locale -> key -> text; placeholders ({first_name}, {name}) are filled by the page."""
    return {
        locale: {key: renderer.catalogs.translate(locale, key, renderer.content.get(key).text)[0]
                 for key in PAGE_TEXTS}
        for locale in LOCALES
    }


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
            "texts": page_texts(svc.renderer),
        },
    )
