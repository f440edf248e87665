"""A casemanager links their own Telegram (bot/handoff/staff_telegram.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import Staff
from bot.db.seed import seed
from bot.handoff.staff_telegram import STAFF_CODE_PREFIX, StaffTelegramLinks
from bot.settings import Settings
from bot.web.ui import UiCatalog


def links(db, content_copy) -> StaffTelegramLinks:  # type: ignore[no-untyped-def]
    _, locales = content_copy
    settings = Settings(secret_key="k", telegram_bot_username="wegwijs_bot")
    return StaffTelegramLinks(db, settings, UiCatalog.load(locales))


async def test_a_code_links_the_chat_once(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        seed(session=s)
        sanne = s.query(Staff).filter_by(username="sanne").one().id
    staff_links = links(db, content_copy)
    made = await staff_links.new_code(sanne)
    argument = made["command"].removeprefix("/start ")
    assert made["link"] == f"https://t.me/wegwijs_bot?start={argument}"
    assert argument.startswith(STAFF_CODE_PREFIX)
    assert "Gekoppeld" in await staff_links.on_start(argument, 4242)
    with db.session() as s:
        assert s.get(Staff, sanne).telegram_chat_id == 4242
    assert "niet (meer) geldig" in await staff_links.on_start(argument, 4242)


async def test_an_expired_code_links_nothing(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        seed(session=s)
        yonas = s.query(Staff).filter_by(username="yonas").one().id
    staff_links = links(db, content_copy)
    argument = (await staff_links.new_code(yonas))["command"].removeprefix("/start ")
    with db.session() as s:
        row = s.get(Staff, yonas)
        row.telegram_code_expires = row.telegram_code_expires - timedelta(hours=1)
    answer = await staff_links.on_start(argument, 99)
    assert "niet (meer) geldig" in answer  # not linked: not known whose it was, so Dutch
    with db.session() as s:
        assert s.get(Staff, yonas).telegram_chat_id is None


async def test_other_start_arguments_are_not_taken(db, content_copy) -> None:  # type: ignore[no-untyped-def]
    assert await links(db, content_copy).on_start("4KX7-92PQ", 1) is None
