"""The Telegram webhook in-process (bot/web/routes/telegram_webhook.py): the secret
header, bad bodies, and each update stored once before the 200."""

from __future__ import annotations

import pytest

from bot.channels.telegram import SECRET_HEADER
from bot.db.models import TelegramUpdate
from harness.telegram_updates import message, text_content

SECRET = {SECRET_HEADER: "test-webhook-secret"}
URL = "/telegram/webhook"


@pytest.fixture
def app_settings(app_settings):  # type: ignore[no-untyped-def]
    """The same app, with a Telegram channel (webhook mode; never connected here)."""
    return app_settings.copy(update={"telegram_token": "123:TEST", "telegram_mode": "webhook"})


def update(update_id: int) -> dict:
    return {"update_id": update_id, "message": message(42, "nl", **text_content("hallo"))}


async def test_no_telegram_channel_means_404(content_copy, db) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from bot.settings import Settings
    from bot.web.app import create_app

    content, locales = content_copy
    app = create_app(Settings(database_url=db.url, content_path=content, locales_dir=locales,
                              telegram_token=""), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post(URL, json=update(1), headers=SECRET)).status_code == 404


async def test_no_webhook_route_in_polling_mode(app_settings, db) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from bot.web.app import create_app

    app = create_app(app_settings.copy(update={"telegram_mode": "polling"}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post(URL, json=update(1), headers=SECRET)).status_code == 404
    with db.session() as s:
        assert s.query(TelegramUpdate).count() == 0


async def test_without_the_secret_nothing_is_read(web, db) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    svc.telegram.ready = True
    assert (await client.post(URL, json=update(1))).status_code == 403
    wrong = await client.post(URL, json=update(1), headers={SECRET_HEADER: "guess"})
    assert wrong.status_code == 403
    with db.session() as s:
        assert s.query(TelegramUpdate).count() == 0


async def test_while_starting_telegram_is_asked_to_come_back(web) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    assert not svc.telegram.ready
    assert (await client.post(URL, json=update(1), headers=SECRET)).status_code == 503


async def test_bad_bodies_are_refused(web) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    svc.telegram.ready = True
    garbage = await client.post(URL, content=b"\x00not json", headers=SECRET)
    not_update = await client.post(URL, json={"message": {}}, headers=SECRET)
    unreadable = await client.post(URL, json={"update_id": 5, "message": {"chat": 1}}, headers=SECRET)
    too_large = await client.post(URL, content=b"{}", headers={**SECRET, "content-length": "2000000"})
    assert [r.status_code for r in (garbage, not_update, unreadable, too_large)] == [400, 400, 400, 413]


async def test_an_update_is_stored_once_then_queued(web, db) -> None:  # type: ignore[no-untyped-def]
    svc, client = web
    svc.telegram.ready = True
    first = await client.post(URL, json=update(77), headers=SECRET)
    again = await client.post(URL, json=update(77), headers=SECRET)
    assert first.json() == {"ok": True, "status": "new"}
    assert again.json() == {"ok": True, "status": "duplicate"}
    with db.session() as s:
        row = s.query(TelegramUpdate).one()
        assert (row.update_id, row.status) == (77, "received")
    assert svc.telegram.application.update_queue.qsize() == 1


async def test_a_large_body_without_a_length_is_refused_before_it_is_parsed(web, db) -> None:  # type: ignore[no-untyped-def]
    """Sent in chunks (no Content-Length): reading stops at the cap, and the answer is 413."""
    svc, client = web
    svc.telegram.ready = True
    chunks_read = []

    async def body():  # type: ignore[no-untyped-def]
        yield b'{"update_id": 9, "message": {"text": "'
        for i in range(2000):
            chunks_read.append(i)
            yield b"x" * 1000
        yield b'"}}'

    resp = await client.post(URL, content=body(), headers=SECRET)
    assert resp.status_code == 413
    assert len(chunks_read) < 1100  # stopped soon after 1 MB (WEGWIJS_MAX_WEBHOOK_BYTES)
    with db.session() as s:
        assert s.query(TelegramUpdate).count() == 0


async def test_the_webhook_body_cap_is_a_setting(app_settings, db) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from bot.web.app import create_app
    from bot.web.services import app_services

    app = create_app(app_settings.copy(update={"max_webhook_bytes": 2000}), db)
    app_services(app).telegram.ready = True
    big = {"update_id": 10, "message": message(42, "nl", **text_content("a" * 3000))}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post(URL, json=big, headers=SECRET)).status_code == 413
        assert (await c.post(URL, json=update(11), headers=SECRET)).status_code == 200


async def test_an_update_the_locked_database_cannot_store_is_refused_so_telegram_sends_it_again(app_settings, db) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    import httpx

    from bot.db.session import Database
    from bot.web.app import create_app
    from bot.web.services import app_services

    database = Database(db.url, busy_timeout_s=0.2)
    app = create_app(app_settings, database)
    app_services(app).telegram.ready = True
    holder = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            holder.execute("BEGIN EXCLUSIVE")
            busy = await client.post(URL, json=update(88), headers=SECRET)
            holder.execute("COMMIT")
            again = await client.post(URL, json=update(88), headers=SECRET)
        assert (busy.status_code, again.status_code) == (503, 200)
        assert again.json()["status"] == "new"  # the first was not half stored
    finally:
        holder.close()
        database.dispose()
