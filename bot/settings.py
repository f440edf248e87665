"""One typed settings object, read from the environment once (``get_settings``).

Every process (app, Rasa via endpoints.yml, action server) reads the same variables;
``wegwijs env`` prints the ones Rasa's endpoints.yml needs. The values are checked when a
process starts: a bad value stops it with one line per bad variable
(:class:`SettingsError`), instead of failing later in the middle of a conversation. An
empty variable counts as not set. With ``WEGWIJS_ENV=production`` unsafe values stop it
too (:meth:`Settings.production_problems`: development or short secrets, an http://
public address, cookies without Secure).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseSettings, Field, ValidationError, validator

from nlu.text import LOCALES

ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
TELEGRAM_MODES = ("webhook", "polling")
ENVIRONMENTS = ("development", "production")
DEV_INTERNAL_TOKEN = "change-me-internal-token"
DEV_SECRET_KEY = "change-me-secret-key"
# Secrets in production: random, at least this many bytes (openssl rand -hex 32).
MIN_SECRET_BYTES = 32


class SettingsError(ValueError):
    """One or more environment variables have a value that cannot be used: one line per
    problem, each starting with the variable's name."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    # development (the default: demo data, development secrets allowed) or production
    # (every process refuses to start with unsafe settings: production_problems()).
    env: str = Field("development", env="WEGWIJS_ENV")
    app_host: str = Field("127.0.0.1", env="WEGWIJS_APP_HOST")
    app_port: int = Field(8000, env="WEGWIJS_APP_PORT", ge=1, le=65535)
    rasa_url: str = Field("http://127.0.0.1:5005", env="WEGWIJS_RASA_URL")
    # Without the trailing /webhook (WEGWIJS_ACTION_URL has it, as endpoints.yml wants).
    action_url: str = Field("http://127.0.0.1:5055", env="WEGWIJS_ACTION_URL")
    # Shared secret between the app, Rasa's HTTP API and the NLG endpoint.
    internal_token: str = Field(DEV_INTERNAL_TOKEN, env="WEGWIJS_INTERNAL_TOKEN")
    # Key for hashing link codes and signing staff sessions. Set your own.
    secret_key: str = Field(DEV_SECRET_KEY, env="WEGWIJS_SECRET_KEY")
    link_code_ttl_hours: float = Field(24.0, env="WEGWIJS_LINK_CODE_TTL_HOURS", gt=0)
    # Wrong link codes an hour from one network address, over all its chats.
    link_attempts_per_ip: int = Field(20, env="WEGWIJS_LINK_ATTEMPTS_PER_IP", ge=1)
    # Abuse limits (token buckets, bot/limits.py): how many of each in how long.
    limit_messages_per_conversation: int = Field(20, env="WEGWIJS_LIMIT_MESSAGES_PER_CONVERSATION", ge=1)  # a minute
    limit_messages_per_ip: int = Field(120, env="WEGWIJS_LIMIT_MESSAGES_PER_IP", ge=1)  # a minute
    limit_sessions_per_ip: int = Field(60, env="WEGWIJS_LIMIT_SESSIONS_PER_IP", ge=1)  # an hour
    limit_handoffs_per_unlinked_conversation: int = Field(
        3, env="WEGWIJS_LIMIT_HANDOFFS_PER_UNLINKED_CONVERSATION", ge=1)  # an hour
    limit_teamlead_notices: int = Field(30, env="WEGWIJS_LIMIT_TEAMLEAD_NOTICES", ge=1)  # an hour, each
    limit_login_failures_per_account: int = Field(
        5, env="WEGWIJS_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", ge=1)  # 15 minutes, per address
    limit_login_failures_per_ip: int = Field(20, env="WEGWIJS_LIMIT_LOGIN_FAILURES_PER_IP", ge=1)  # an hour
    # Largest socket.io packet and Telegram webhook body accepted (bytes), before parsing.
    max_socketio_bytes: int = Field(64_000, env="WEGWIJS_MAX_SOCKETIO_BYTES", ge=1000)
    max_webhook_bytes: int = Field(1_000_000, env="WEGWIJS_MAX_WEBHOOK_BYTES", ge=1000)
    database_url: str = Field(f"sqlite:///{ROOT / 'var' / 'wegwijs.db'}", env="DATABASE_URL")
    content_path: Path = Field(ROOT / "content" / "responses.yml", env="WEGWIJS_CONTENT_PATH")
    locales_dir: Path = Field(ROOT / "locales", env="WEGWIJS_LOCALES_DIR")
    # Tests only (refused in production; read by bot.clock): a file holding seconds added
    # to this process's clock, so a browser test sees a scheduled change go live without
    # waiting for it. Missing or empty: the real clock.
    clock_offset_file: str = Field("", env="WEGWIJS_CLOCK_OFFSET_FILE")
    default_locale: str = Field("en", env="WEGWIJS_DEFAULT_LOCALE")
    max_message_chars: int = Field(2000, env="WEGWIJS_MAX_MESSAGE_CHARS", gt=0)
    rasa_timeout_s: float = Field(30.0, env="WEGWIJS_RASA_TIMEOUT", gt=0)
    # A turn Rasa did not answer within rasa_timeout_s may still be answered late: for
    # this long it is looked up in Rasa's tracker, never sent again (no double turn).
    rasa_late_grace_s: float = Field(120.0, env="WEGWIJS_RASA_LATE_GRACE", ge=0)
    # A busy or locked database: each attempt waits this long for the lock (SQLite's
    # busy timeout), and storing an incoming message is tried again for this long in all.
    db_busy_timeout_s: float = Field(15.0, env="WEGWIJS_DB_BUSY_TIMEOUT", gt=0)
    db_retry_total_s: float = Field(20.0, env="WEGWIJS_DB_RETRY", ge=0)
    # A new Rasa session after this many turns of one conversation (0: never).
    rasa_session_turns: int = Field(10, env="WEGWIJS_RASA_SESSION_TURNS", ge=0)
    log_level: str = Field("INFO", env="WEGWIJS_LOG_LEVEL")
    # Bearer token for GET /metrics (the app's and the action server's); not set: no
    # /metrics at all (404), in every mode (docs/operations.md).
    metrics_token: str = Field("", env="WEGWIJS_METRICS_TOKEN")
    # Retention (bot/db/retention.py; the app runs it daily, or `wegwijs retention run`):
    # transcripts (messages, Rasa's events, escalations), technical rows (Telegram update
    # ids, outbox, pending turns, link attempts, expired link codes), attachments' file ids.
    retention_transcript_days: int = Field(180, env="WEGWIJS_RETENTION_TRANSCRIPT_DAYS", ge=1)
    retention_technical_days: int = Field(30, env="WEGWIJS_RETENTION_TECHNICAL_DAYS", ge=1)
    retention_attachment_days: int = Field(30, env="WEGWIJS_RETENTION_ATTACHMENT_DAYS", ge=1)
    # Telegram (optional: without a token the app runs without the Telegram channel).
    telegram_token: str = Field("", env="TELEGRAM_TOKEN")
    telegram_mode: str = Field("webhook", env="TELEGRAM_MODE")  # webhook or polling
    # The public https URL ending in /telegram/webhook.
    telegram_webhook_url: str = Field("", env="TELEGRAM_WEBHOOK_URL")
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; derived from secret_key
    # when not set.
    telegram_webhook_secret: str = Field("", env="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = Field("https://api.telegram.org/bot", env="TELEGRAM_API_BASE_URL")
    telegram_poll_timeout_s: int = Field(30, env="TELEGRAM_POLL_TIMEOUT", ge=0)
    telegram_bot_username: str = Field("", env="TELEGRAM_BOT_USERNAME")  # for deep links
    # Updates handled at once (all chats; one chat takes at most one), and how long an
    # update may stay "processing" before it is taken again (its handler or finish failed).
    telegram_concurrency: int = Field(64, env="TELEGRAM_CONCURRENCY", ge=1)
    telegram_update_lease_s: float = Field(120.0, env="TELEGRAM_UPDATE_LEASE", gt=0)
    # Inbox: the address casemanagers open (links in notifications); cookies over HTTPS only.
    public_url_setting: str = Field("", env="WEGWIJS_PUBLIC_URL")
    secure_cookies: bool = Field(False, env="WEGWIJS_SECURE_COOKIES")
    # Other sites that may embed the web chat (comma-separated origins such as
    # https://www.amsterdam.nl); the app's own public origin is always allowed.
    allowed_origins_setting: str = Field("", env="WEGWIJS_ALLOWED_ORIGINS")
    # E-mail notifications (no host: no e-mail).
    smtp_host: str = Field("", env="SMTP_HOST")
    smtp_port: int = Field(25, env="SMTP_PORT", ge=1, le=65535)
    smtp_from: str = Field("wegwijs@example.org", env="SMTP_FROM")
    smtp_user: str = Field("", env="SMTP_USER")
    smtp_password: str = Field("", env="SMTP_PASSWORD")
    smtp_starttls: bool = Field(False, env="SMTP_STARTTLS")

    class Config:
        frozen = True  # hashable, never changed after start
        env_file = None

    @validator("*", pre=True)
    def _empty_is_unset(cls, value: Any, field: Any) -> Any:  # noqa: N805 - pydantic's validator
        if isinstance(value, str) and value == "":
            return field.get_default()
        return value

    @validator("rasa_url")
    def _no_trailing_slash(cls, value: str) -> str:  # noqa: N805
        return value.rstrip("/")

    @validator("action_url")
    def _without_webhook(cls, value: str) -> str:  # noqa: N805
        return value.rstrip("/").removesuffix("/webhook")

    @validator("rasa_url", "action_url", "telegram_api_base_url")
    def _http_url(cls, value: str) -> str:  # noqa: N805
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @validator("database_url")
    def _database_url(cls, value: str) -> str:  # noqa: N805
        if "://" not in value:
            raise ValueError("must be a database URL such as sqlite:///var/wegwijs.db")
        return value

    @validator("allowed_origins_setting")
    def _origins(cls, value: str) -> str:  # noqa: N805
        for item in (v.strip() for v in value.split(",")):
            if item and origin_of(item) is None:
                raise ValueError(f"{item!r} is not an origin: write scheme://host[:port], "
                                 "e.g. https://www.amsterdam.nl, one per site, no path, no *")
        return value

    @validator("env")
    def _env(cls, value: str) -> str:  # noqa: N805
        value = value.lower()
        if value not in ENVIRONMENTS:
            raise ValueError(f"must be one of {', '.join(ENVIRONMENTS)}")
        return value

    @validator("telegram_mode")
    def _telegram_mode(cls, value: str) -> str:  # noqa: N805
        value = value.lower()
        if value not in TELEGRAM_MODES:
            raise ValueError(f"must be one of {', '.join(TELEGRAM_MODES)}")
        return value

    @validator("default_locale")
    def _locale(cls, value: str) -> str:  # noqa: N805
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @validator("log_level")
    def _log_level(cls, value: str) -> str:  # noqa: N805
        value = value.upper()
        if value not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value

    @property
    def production(self) -> bool:
        return self.env == "production"

    def production_problems(self) -> list[str]:
        """What production mode refuses, one line per setting (never a secret's value)."""
        problems = []
        for variable, value, dev in (
            ("WEGWIJS_SECRET_KEY", self.secret_key, DEV_SECRET_KEY),
            ("WEGWIJS_INTERNAL_TOKEN", self.internal_token, DEV_INTERNAL_TOKEN),
            ("TELEGRAM_WEBHOOK_SECRET", self.telegram_webhook_secret, None),
            ("WEGWIJS_METRICS_TOKEN", self.metrics_token, None),
        ):
            if value == dev:
                problems.append(f"{variable}: the development value is not allowed in production; "
                                f"set a random one of at least {MIN_SECRET_BYTES} bytes "
                                "(openssl rand -hex 32)")
            elif value and len(value.encode()) < MIN_SECRET_BYTES:
                problems.append(f"{variable}: too short for production ({len(value.encode())} "
                                f"bytes); set a random one of at least {MIN_SECRET_BYTES} bytes")
        if not self.public_url_setting.startswith("https://"):
            problems.append("WEGWIJS_PUBLIC_URL: production needs the app's public https:// "
                            f"address (is {self.public_url_setting or 'not set'})")
        if (self.telegram_token and self.telegram_mode == "webhook"
                and not self.telegram_webhook_url.startswith("https://")):
            problems.append("TELEGRAM_WEBHOOK_URL: production needs an https:// address "
                            f"(is {self.telegram_webhook_url or 'not set'})")
        plain = [o for o in self.configured_origins if o.startswith("http://")]
        if plain:
            problems.append("WEGWIJS_ALLOWED_ORIGINS: production allows https:// origins only "
                            f"(not {', '.join(plain)})")
        if self.clock_offset_file:
            problems.append("WEGWIJS_CLOCK_OFFSET_FILE: a test's clock; not allowed in production")
        if not self.secure_cookies:
            problems.append("WEGWIJS_SECURE_COOKIES: must be 1 in production, so the staff "
                            "session cookie is Secure (sent over HTTPS only)")
        return problems

    @property
    def public_url(self) -> str:
        return (self.public_url_setting or f"http://{self.app_host}:{self.app_port}").rstrip("/")

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """The origins whose pages may use the web chat: the app's own public one first,
        then WEGWIJS_ALLOWED_ORIGINS (normalised: lower case, no default port)."""
        own = origin_of(self.public_url, path_ok=True)
        return tuple(dict.fromkeys(o for o in [own, *self.configured_origins] if o))

    @property
    def configured_origins(self) -> list[str]:
        """WEGWIJS_ALLOWED_ORIGINS, normalised."""
        return [o for o in (origin_of(v) for v in self.allowed_origins_setting.split(",")) if o]

    @property
    def nlg_url(self) -> str:
        return f"http://{self.app_host}:{self.app_port}/nlg"

    @property
    def db_dialect(self) -> str:
        return self.database_url.split(":", 1)[0].split("+", 1)[0]

    @property
    def webhook_secret(self) -> str:
        """The secret Telegram must send with every webhook request ([A-Za-z0-9_-])."""
        if self.telegram_webhook_secret:
            return self.telegram_webhook_secret
        digest = hmac.new(self.secret_key.encode(), b"telegram-webhook", hashlib.sha256)
        return digest.hexdigest()

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The environment (and ``overrides``), checked: :class:`SettingsError` lists every
        bad value by the variable that holds it."""
        try:
            settings = cls(**overrides)
        except ValidationError as exc:
            raise SettingsError([_problem(cls, e) for e in exc.errors()]) from None
        if settings.production and settings.production_problems():
            raise SettingsError(settings.production_problems())
        return settings

    def rasa_environment(self) -> dict[str, str]:
        """The variables endpoints.yml refers to, for Rasa and the action server."""
        return {
            "WEGWIJS_ACTION_URL": f"{self.action_url}/webhook",
            "WEGWIJS_NLG_URL": self.nlg_url,
            "WEGWIJS_INTERNAL_TOKEN": self.internal_token,
            "WEGWIJS_DATABASE_URL": self.database_url,
            "WEGWIJS_DB_DIALECT": self.db_dialect,
        }


def origin_of(url: str, *, path_ok: bool = False) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower case and without the scheme's
    default port (as browsers send it in Origin); None for anything else (a path too,
    unless ``path_ok``)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not path_ok and (parts.username or parts.password or parts.query or parts.fragment):
        return None
    if parts.path.strip("/") and not path_ok:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def _problem(cls: type[Settings], error: dict[str, Any]) -> str:
    name = str(error["loc"][0])
    field = cls.__fields__.get(name)
    variable = field.field_info.extra.get("env", name) if field else name
    return f"{variable}: {error['msg']}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


def settings_or_exit() -> Settings:
    """The settings, or — for a process that is starting — its problems on stderr, one
    line each, and exit status 2."""
    import sys

    try:
        return get_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
