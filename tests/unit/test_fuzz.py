"""Property-based tests (hypothesis) of what comes in from outside: the gateway's input
handling, the Telegram webhook's JSON, the NLG endpoint and every inbox form. Whatever
arrives, never a crash or a 500, and always a clear answer. In-process (ASGI); small
example counts so `make test` stays fast."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.channels.gateway import Gateway, Incoming, clean_text, neutralise_command
from bot.channels.telegram import SECRET_HEADER
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.render import Renderer
from bot.web.routes.inbox import _safe_next
from harness.telegram_updates import message, text_content

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text as people (and attackers) send it: any script, control characters, lone
# surrogates (JSON "\ud800" decodes to one), very long runs, payload look-alikes.
any_text = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Lo", "Mn", "Nd", "So"]), max_size=100),
    st.sampled_from(["/start", "/set_language{\"language\": \"ar\"}", "/restart", "/", "//x",
                     '/ask_appointment{"client_id": 1}', "ABCD-2345", "\x00", "\ud800", " " * 50]),
    st.text(min_size=1, max_size=5).map(lambda t: t * 1000),
)
# The same, as a browser can send it in a form or a URL (UTF-8: no lone surrogates; bytes
# that are not UTF-8 are sent raw by test_inbox_forms_with_bytes_that_are_not_utf8).
web_text = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Lo", "Mn", "Nd", "So"]), max_size=100),
    st.sampled_from(["/start", "//evil.example", "/\\evil.example", "\r\nSet-Cookie: x=1", "\x00", "-1",
                     "999999999999999999999", "nl", "en", "/inbox"]),
    st.text(min_size=1, max_size=5).map(lambda t: t * 1000),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=4),
    max_leaves=20,
)


class EchoRasa:
    """Stands in for Rasa's REST channel: answers every turn."""

    async def send_message(self, *, sender: str, text: str, metadata: dict) -> list[dict]:
        return [{"text": f"echo {len(text)}"}]


@pytest.fixture
def gateway(db, content_copy) -> Gateway:  # type: ignore[no-untyped-def]
    content, locales = content_copy
    return Gateway(rasa=EchoRasa(), renderer=Renderer(ContentSource(content), Catalogs(locales)),  # type: ignore[arg-type]
                   db=db)


@FUZZ
@given(text=any_text, kind=st.sampled_from(["text", "command", "button", "photo", "voice", "sticker",
                                            "edited", "unsupported", "🙂", ""]),
       hint=st.none() | st.text(max_size=20), attachment=st.none() | st.dictionaries(st.text(max_size=10), json_values, max_size=3),
       conv=st.integers(0, 5))
async def test_the_gateway_answers_whatever_comes_in(gateway, text, kind, hint, attachment, conv) -> None:  # type: ignore[no-untyped-def]
    replies = await gateway.handle(Incoming(f"webchat:fuzz{conv}", "webchat", text, kind=kind,
                                            locale_hint=hint, attachment=attachment))
    assert replies and all(r.text.strip() for r in replies)
    assert all(r.locale in ("en", "nl", "ar", "ti", "fa_AF") for r in replies)


@FUZZ
@given(text=any_text, offered=st.sets(st.text(max_size=20), max_size=3))
def test_cleaned_text_is_bounded_and_commands_only_when_offered(text, offered) -> None:  # type: ignore[no-untyped-def]
    cleaned, cut = clean_text(text, 2000)
    assert len(cleaned) <= 2000 and cut == (len(clean_text(text, 10**9)[0]) > 2000)
    out = neutralise_command(cleaned, offered)
    assert out == cleaned or not out.startswith("/")


URL = "/telegram/webhook"
SECRET = {SECRET_HEADER: "test-webhook-secret"}


@pytest.fixture
def app_settings(app_settings):  # type: ignore[no-untyped-def]
    """The in-process app with a Telegram channel in webhook mode (never connected)."""
    return app_settings.copy(update={"telegram_token": "123:TEST", "telegram_mode": "webhook"})


def update_like() -> st.SearchStrategy[Any]:
    """Updates that look right in places: real message shapes with odd values, and noise."""
    real = st.builds(
        lambda uid, user, lang, text, extra: {"update_id": uid, "message": {
            **message(user, lang, **text_content(text)), **extra}},
        st.integers(-2**63, 2**63), st.integers(-2**40, 2**40), st.none() | st.text(max_size=8),
        any_text, st.dictionaries(st.sampled_from(["chat", "from", "date", "photo", "entities", "text"]),
                                  json_values, max_size=2),
    )
    noise = st.dictionaries(st.sampled_from(["update_id", "message", "edited_message", "callback_query",
                                             "my_chat_member", "x"]), json_values, max_size=4)
    return st.one_of(real, noise, json_values)


@FUZZ
@given(body=update_like())
async def test_the_webhook_answers_any_json_clearly(web, body) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    svc.telegram.ready = True
    resp = await client.post(URL, content=json.dumps(body), headers=SECRET)
    assert resp.status_code in (200, 400), resp.text
    assert "error" in resp.json() or resp.json().get("ok") is True


@FUZZ
@given(raw=st.binary(max_size=300))
async def test_the_webhook_answers_any_bytes_clearly(web, raw) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    svc.telegram.ready = True
    resp = await client.post(URL, content=raw, headers=SECRET)
    assert resp.status_code in (200, 400) and resp.json()


def nlg_like() -> st.SearchStrategy[Any]:
    keys = st.sampled_from(["utter_greet", "utter_welcome", "utter_handoff_own_open", "app_waiting",
                            "utter_no_such_key", ""]) | st.text(max_size=30)
    body = st.fixed_dictionaries({"response": keys}, optional={
        "arguments": json_values | st.dictionaries(st.sampled_from(["locale", "name", "until_time"]), json_values),
        "tracker": json_values | st.fixed_dictionaries({}, optional={
            "sender_id": json_values, "slots": json_values | st.fixed_dictionaries({"language": json_values}),
            "latest_message": json_values, "active_loop": json_values}),
        "channel": json_values,
    })
    return st.one_of(body, json_values)


@FUZZ
@given(body=nlg_like())
async def test_the_nlg_endpoint_answers_any_json_clearly(web, body) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    resp = await client.post("/nlg?token=test-internal-token", content=json.dumps(body))
    assert resp.status_code in (200, 400), resp.text
    if resp.status_code == 200:
        assert isinstance(resp.json().get("text"), str) and resp.json()["text"]


form_values = st.dictionaries(
    st.sampled_from(["text", "note", "client_id", "username", "password", "next", "ui", "csrf_token", "x"]),
    web_text,
    max_size=5,
)


@FUZZ
@given(action=st.sampled_from(["reply", "close", "claim", "note", "link-code", "nonsense"]),
       fields=form_values, which=st.sampled_from(["sanne", "team", "leila", "999999", "x"]))
async def test_every_escalation_form_answers_clearly(staff, escalations, web, action, fields, which) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web

    async def push(conversation_id: str, replies: list) -> None:
        pass

    svc.handoff.pushers["webchat"] = push
    if not hasattr(svc, "_fuzz_user"):
        svc._fuzz_user = await staff("sanne")  # type: ignore[attr-defined]
    user = svc._fuzz_user  # type: ignore[attr-defined]
    esc = escalations.get(which, which)
    resp = await user.http.post(f"/inbox/escalations/{esc}/{action}",
                                data={**fields, "csrf_token": user.csrf})
    assert resp.status_code in (204, 303, 404, 409, 503), resp.text


@FUZZ
@given(path=st.sampled_from(["/inbox/login", "/inbox/logout", "/inbox/language", "/inbox/telegram"]),
       fields=form_values, with_csrf=st.booleans())
async def test_every_other_inbox_form_answers_clearly(web, escalations, path, fields, with_csrf) -> None:  # type: ignore[no-untyped-def]
    _, client = web
    page = await client.get("/inbox/login")
    assert page.status_code == 200
    if with_csrf:
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        fields = {**fields, "csrf_token": token}
    resp = await client.post(path, data=fields)
    assert resp.status_code in (200, 303, 401, 403), resp.text
    location = resp.headers.get("location", "")
    assert not location or (location.startswith("/") and location[1:2] not in ("/", "\\"))
    client.cookies.clear()


@settings(FUZZ, max_examples=25)  # the content page is the slowest page to render
@given(q=web_text, closed=web_text, before=web_text, staff_id=web_text)
async def test_inbox_pages_answer_any_query(staff, escalations, web, q, closed, before, staff_id) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    if not hasattr(svc, "_fuzz_lead"):
        svc._fuzz_lead = await staff("teamlead")  # type: ignore[attr-defined]
    lead = svc._fuzz_lead  # type: ignore[attr-defined]
    for url, params in (("/inbox/queue", {"closed": closed}), ("/inbox/audit", {"before": before, "staff": staff_id}),
                        ("/content", {"q": q}), (f"/inbox/escalations/{q[:50] or 'x'}", {})):
        try:
            resp = await lead.http.get(url, params=params)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            continue  # not a URL any client can send
        assert resp.status_code in (200, 303, 404), (url, resp.status_code)


@FUZZ
@given(target=st.none() | any_text | web_text)
@example(target="/\\evil.example")
@example(target="//evil.example")
@example(target="/inbox\r\nSet-Cookie: x=1")
def test_a_redirect_after_login_stays_on_this_site(target) -> None:  # type: ignore[no-untyped-def]
    out = _safe_next(target, "/inbox")
    assert out == "/inbox" or (out.startswith("/") and out[1:2] not in ("/", "\\"))
    assert not any(c in out for c in "\r\n")


@FUZZ
@given(path=st.sampled_from(["/inbox/login", "/inbox/language", "/inbox/escalations/1/reply",
                             "/inbox/escalations/1/note", "/inbox/logout"]),
       raw=st.binary(max_size=200), content_type=st.sampled_from(
           ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", ""]))
async def test_inbox_forms_with_bytes_that_are_not_utf8(staff, escalations, web, path, raw, content_type) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    if not hasattr(svc, "_fuzz_user"):
        svc._fuzz_user = await staff("sanne")  # type: ignore[attr-defined]
    user = svc._fuzz_user  # type: ignore[attr-defined]
    resp = await user.http.post(path, content=raw, headers={"content-type": content_type} if content_type else {})
    assert resp.status_code in (200, 303, 400, 401, 403, 404), resp.text
