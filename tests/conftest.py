"""Shared fixtures: copies of content and catalogs, and the running stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.db.session import Database
from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.render import Renderer
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.services import Services, app_services
from harness.fake_smtp import FakeSMTP
from harness.fake_telegram import FakeBot, FakeTelegram
from harness.stack import Stack, SupervisedStack, content_copies, free_port
from harness.webchat import ChatClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content_copy(tmp_path: Path) -> tuple[Path, Path]:
    """(responses.yml, locales dir) copied into a temporary directory."""
    return content_copies(tmp_path)


# The running stack, shared by integration and browser tests (one per test session).

MODEL = ROOT / "models" / "wegwijs.tar.gz"


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegram]:
    """The local stand-in for api.telegram.org (real HTTP on 127.0.0.1)."""
    fake = FakeTelegram()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def smtp() -> Iterator[FakeSMTP]:
    """The local stand-in for the city's mail server."""
    server = FakeSMTP()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def telegram_bot(telegram_api: FakeTelegram) -> FakeBot:
    """The bot the stack's app serves in webhook mode."""
    return telegram_api.add_bot("wegwijs_test_bot")


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    telegram_api: FakeTelegram,
    telegram_bot: FakeBot,
    smtp: FakeSMTP,
) -> Iterator[Stack]:
    """Real Rasa, action server and app on free ports under supervisord (as `make run`),
    with their own database and copies of the content and catalogs (which tests may
    edit). The app serves the web chat and, in webhook mode, Telegram (against the local
    fake Bot API server)."""
    s = _supervised_stack(tmp_path_factory.mktemp("stack"), telegram_api, telegram_bot, smtp)
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def recovery_stack(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegram, smtp: FakeSMTP,
) -> Iterator[SupervisedStack]:
    """A stack of its own (with its own Telegram bot) for tests that kill -9 its parts, so
    the shared stack's processes, and what they measured, are never lost."""
    bot = telegram_api.add_bot("wegwijs_recovery_bot")
    s = _supervised_stack(tmp_path_factory.mktemp("recovery"), telegram_api, bot, smtp)
    s.telegram_bot = bot  # type: ignore[attr-defined]
    try:
        s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def fault_stack(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeTelegram,
) -> Iterator[SupervisedStack]:
    """A stack of its own for the fault-injection tests (tests/integration/test_faults.py):
    Rasa and the action server under supervisord; the app started by the test (so it can
    be killed and started again) with Rasa behind a proxy that can make Rasa late
    (``stack.proxy``: harness.slow_rasa), a short Rasa timeout, two Telegram slots, a
    short update lease, its own Telegram bot (``stack.telegram_bot``) and its own mail
    server (``stack.smtp``, which a test may stop)."""
    from harness.slow_rasa import SlowRasa

    bot = telegram_api.add_bot("wegwijs_faults_bot")
    smtp = FakeSMTP()
    smtp.start()
    s = _supervised_stack(tmp_path_factory.mktemp("faults"), telegram_api, bot, smtp)
    proxy = SlowRasa(delay_s=10)
    proxy.target = f"http://127.0.0.1:{s.ports['rasa']}"
    proxy.start()
    s.telegram_bot, s.smtp, s.proxy = bot, smtp, proxy  # type: ignore[attr-defined]
    s.app_env = {  # type: ignore[attr-defined]
        "WEGWIJS_RASA_URL": proxy.url, "WEGWIJS_RASA_TIMEOUT": "5",
        "TELEGRAM_CONCURRENCY": "2", "TELEGRAM_UPDATE_LEASE": "15",
    }
    try:
        s.start()
        # The supervised app talks to Rasa directly: this one goes through the proxy.
        s.ctl("stop", "app")
        s.start_process("faultapp", "app", env=s.app_env)  # type: ignore[attr-defined]
        s.wait_healthy(120)
        yield s
    finally:
        s.stop()
        proxy.stop()
        smtp.stop()


def _supervised_stack(
    workdir: Path, telegram_api: FakeTelegram, telegram_bot: FakeBot, smtp: FakeSMTP
) -> SupervisedStack:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does)")
    content, locales = content_copies(workdir)
    s = SupervisedStack(workdir, locales_dir=locales, content_path=content)
    s.extra_env = {
        "TELEGRAM_TOKEN": telegram_bot.token,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"{s.app_url}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": "test-webhook-secret",
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_FROM": "wegwijs@example.org",
    }
    return s


@pytest.fixture(scope="session")
def renderer(stack: Stack) -> Renderer:
    """Renders from the same files as the running app, to know what it must say."""
    assert stack.content_path and stack.locales_dir
    return Renderer(ContentSource(stack.content_path), Catalogs(stack.locales_dir))


@pytest.fixture
async def chat(stack: Stack):  # type: ignore[no-untyped-def]
    """Makes web chat users; disconnects them after the test."""
    clients: list[ChatClient] = []

    def make() -> ChatClient:
        c = ChatClient(stack.app_url)
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database; the actions use it too during the test."""
    from alembic import command

    import actions.db
    from bot.cli import _alembic_config

    url = f"sqlite:///{tmp_path / 'test.db'}"
    cfg = _alembic_config()
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    database = Database(url)
    actions.db.use_database(database)
    yield database
    actions.db.use_database(None)
    database.dispose()


@pytest.fixture
def seeded(db: Database) -> None:
    """The demo data (clients, casemanagers, appointments from now on, schools)."""
    from bot.db.seed import seed

    with db.session() as s:
        seed(session=s)


# The app in-process (no lifespan: no Telegram connection, no notification loop), for
# route tests over httpx's ASGITransport.


@pytest.fixture
def app_settings(db: Database, content_copy: tuple[Path, Path]) -> Settings:
    content, locales = content_copy
    nowhere = f"http://127.0.0.1:{free_port()}"  # Rasa and the action server: unreachable
    return Settings(
        database_url=db.url, content_path=content, locales_dir=locales,
        internal_token="test-internal-token", secret_key="test-secret-key",
        rasa_url=nowhere, action_url=nowhere, telegram_token="", smtp_host="",
        telegram_webhook_secret="test-webhook-secret",
    )


@pytest.fixture
async def web(app_settings: Settings, db: Database) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """(the app's services, an HTTP client talking to the app in-process)."""
    app = create_app(app_settings, db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield app_services(app), client
