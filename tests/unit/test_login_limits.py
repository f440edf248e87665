"""Wrong passwords are limited per network address and per account from an address
(bot/web/staff_auth.py): whoever guesses is stopped, and nobody can lock out the staff.
In-process over ASGI, each user with an address of their own."""

from __future__ import annotations

import httpx
import pytest

from bot.db.seed import seed
from bot.db.session import Database
from harness.inbox import InboxUser

STRANGER, SANNE_AT_WORK, OTHER = "203.0.113.66", "198.51.100.7", "192.0.2.44"


@pytest.fixture
async def from_address(web, db: Database):  # type: ignore[no-untyped-def]
    """Inbox users on the in-process app, each from the given network address."""
    with db.session() as s:
        seed(session=s)
    _, client = web
    app = client._transport.app
    users: list[InboxUser] = []

    def make(address: str) -> InboxUser:
        user = InboxUser("http://testserver", transport=httpx.ASGITransport(app=app, client=(address, 40000)))
        users.append(user)
        return user

    yield make
    for u in users:
        await u.close()


def said(resp: httpx.Response) -> str:
    return resp.text


async def test_a_stranger_guessing_cannot_lock_out_the_casemanager(from_address) -> None:  # type: ignore[no-untyped-def]
    stranger = from_address(STRANGER)
    for _ in range(5):
        resp = await stranger.login("sanne", "guess-guess-guess")
        assert resp.status_code == 401 and "Verkeerde gebruikersnaam of wachtwoord" in said(resp)
    # The stranger's address is stopped for this account, even with the right password.
    resp = await stranger.login("sanne")
    assert resp.status_code == 401
    assert "Te veel verkeerde wachtwoorden voor dit account vanaf uw adres" in said(resp)
    # Sanne, from her own address, logs in as always.
    sanne = from_address(SANNE_AT_WORK)
    assert (await sanne.login("sanne")).status_code == 303
    assert (await sanne.http.get("/inbox")).status_code == 200


async def test_the_account_limit_is_per_account_from_an_address(from_address) -> None:  # type: ignore[no-untyped-def]
    stranger = from_address(STRANGER)
    for _ in range(5):
        await stranger.login("sanne", "guess-guess-guess")
    # Another account from the same address is not held up by sanne's failures.
    assert (await stranger.login("yonas")).status_code == 303


async def test_an_address_guessing_many_accounts_is_stopped(from_address) -> None:  # type: ignore[no-untyped-def]
    stranger = from_address(STRANGER)
    names = ["sanne", "yonas", "leila", "teamlead", "comms"]
    for i in range(20):  # WEGWIJS_LIMIT_LOGIN_FAILURES_PER_IP
        resp = await stranger.login(names[i % 5] + str(i // 5), "guess-guess-guess")
        assert resp.status_code == 401 and "Verkeerde gebruikersnaam" in said(resp)
    resp = await stranger.login("teamlead")
    assert resp.status_code == 401
    assert "Te veel verkeerde wachtwoorden vanaf uw adres" in said(resp)
    # Everyone else logs in.
    assert (await from_address(OTHER).login("teamlead")).status_code == 303


async def test_right_passwords_cost_no_tokens(from_address) -> None:  # type: ignore[no-untyped-def]
    user = from_address(SANNE_AT_WORK)
    for _ in range(8):
        assert (await user.login("sanne")).status_code == 303
