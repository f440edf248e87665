"""One typed settings object, read from the environment once (``get_settings``).

Every process (app, Rasa via endpoints.yml, action server) reads the same variables;
``wegwijs env`` prints the ones Rasa's endpoints.yml needs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    app_host: str = "127.0.0.1"
    app_port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"
    action_url: str = "http://127.0.0.1:5055"
    # Shared secret between the app, Rasa's HTTP API and the NLG endpoint.
    internal_token: str = "change-me-internal-token"
    # Key for hashing link codes (and, later, signing sessions). Set your own.
    secret_key: str = "change-me-secret-key"
    link_code_ttl_hours: float = 24.0
    database_url: str = f"sqlite:///{ROOT / 'var' / 'wegwijs.db'}"
    content_path: Path = ROOT / "content" / "responses.yml"
    locales_dir: Path = ROOT / "locales"
    default_locale: str = "en"
    max_message_chars: int = 2000
    rasa_timeout_s: float = 30.0
    # A new Rasa session after this many turns of one conversation (0: never).
    rasa_session_turns: int = 10
    log_level: str = "INFO"
    # Telegram (optional: without a token the app runs without the Telegram channel).
    telegram_token: str = ""
    telegram_mode: str = "webhook"  # webhook (production) or polling (development)
    telegram_webhook_url: str = ""  # public https URL ending in /telegram/webhook
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; derived from
    # secret_key when not set.
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_poll_timeout_s: int = 30
    telegram_bot_username: str = ""  # for deep links t.me/<name>?start=<code>
    # Inbox: the address casemanagers open (links in notifications); cookies over HTTPS only.
    public_url_setting: str = ""
    secure_cookies: bool = False
    # E-mail notifications (no host: no e-mail).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "wegwijs@example.org"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return (self.public_url_setting or f"http://{self.app_host}:{self.app_port}").rstrip("/")

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
    def from_env(cls) -> Settings:
        d = cls()
        return cls(
            app_host=_env("WEGWIJS_APP_HOST", d.app_host),
            app_port=int(_env("WEGWIJS_APP_PORT", str(d.app_port))),
            rasa_url=_env("WEGWIJS_RASA_URL", d.rasa_url).rstrip("/"),
            action_url=_env("WEGWIJS_ACTION_URL", d.action_url + "/webhook")
            .rstrip("/")
            .removesuffix("/webhook"),
            internal_token=_env("WEGWIJS_INTERNAL_TOKEN", d.internal_token),
            secret_key=_env("WEGWIJS_SECRET_KEY", d.secret_key),
            link_code_ttl_hours=float(_env("WEGWIJS_LINK_CODE_TTL_HOURS", str(d.link_code_ttl_hours))),
            database_url=_env("DATABASE_URL", d.database_url),
            content_path=Path(_env("WEGWIJS_CONTENT_PATH", str(d.content_path))),
            locales_dir=Path(_env("WEGWIJS_LOCALES_DIR", str(d.locales_dir))),
            default_locale=_env("WEGWIJS_DEFAULT_LOCALE", d.default_locale),
            max_message_chars=int(_env("WEGWIJS_MAX_MESSAGE_CHARS", str(d.max_message_chars))),
            rasa_timeout_s=float(_env("WEGWIJS_RASA_TIMEOUT", str(d.rasa_timeout_s))),
            rasa_session_turns=int(_env("WEGWIJS_RASA_SESSION_TURNS", str(d.rasa_session_turns))),
            log_level=_env("WEGWIJS_LOG_LEVEL", d.log_level),
            telegram_token=_env("TELEGRAM_TOKEN", d.telegram_token),
            telegram_mode=_env("TELEGRAM_MODE", d.telegram_mode).lower(),
            telegram_webhook_url=_env("TELEGRAM_WEBHOOK_URL", d.telegram_webhook_url),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET", d.telegram_webhook_secret),
            telegram_api_base_url=_env("TELEGRAM_API_BASE_URL", d.telegram_api_base_url),
            telegram_poll_timeout_s=int(
                _env("TELEGRAM_POLL_TIMEOUT", str(d.telegram_poll_timeout_s))
            ),
            telegram_bot_username=_env("TELEGRAM_BOT_USERNAME", d.telegram_bot_username),
            public_url_setting=_env("WEGWIJS_PUBLIC_URL", d.public_url_setting),
            secure_cookies=_env("WEGWIJS_SECURE_COOKIES", "0").lower() in ("1", "true", "yes"),
            smtp_host=_env("SMTP_HOST", d.smtp_host),
            smtp_port=int(_env("SMTP_PORT", str(d.smtp_port))),
            smtp_from=_env("SMTP_FROM", d.smtp_from),
            smtp_user=_env("SMTP_USER", d.smtp_user),
            smtp_password=_env("SMTP_PASSWORD", d.smtp_password),
            smtp_starttls=_env("SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
        )

    def rasa_environment(self) -> dict[str, str]:
        """The variables endpoints.yml refers to, for Rasa and the action server."""
        return {
            "WEGWIJS_ACTION_URL": f"{self.action_url}/webhook",
            "WEGWIJS_NLG_URL": self.nlg_url,
            "WEGWIJS_INTERNAL_TOKEN": self.internal_token,
            "WEGWIJS_DATABASE_URL": self.database_url,
            "WEGWIJS_DB_DIALECT": self.db_dialect,
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
