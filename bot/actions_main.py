"""rasa-sdk's action server, after the settings' checks (production mode) and with the
logging filter that masks personal data (``bot.privacy``) installed first; used by
``wegwijs serve actions``."""

from __future__ import annotations

import sys


def main() -> None:
    from bot.privacy import install_log_redaction
    from bot.settings import settings_or_exit

    settings = settings_or_exit()  # production mode's checks, as in every process
    install_log_redaction(settings.secret_key)
    from rasa_sdk.__main__ import main as action_server_main

    _instrument(settings.metrics_token)
    sys.argv[0] = "rasa-sdk"
    action_server_main()


def _instrument(token: str) -> None:
    """rasa-sdk's app gets the action timing and ``/metrics`` (``bot.metrics``) when
    WEGWIJS_METRICS_TOKEN is set."""
    if not token:
        return
    import rasa_sdk.endpoint as endpoint

    from bot.metrics import instrument_action_server

    create_app = endpoint.create_app

    def create_instrumented_app(*args, **kwargs):  # type: ignore[no-untyped-def]
        app = create_app(*args, **kwargs)
        instrument_action_server(app, token)
        return app

    endpoint.create_app = create_instrumented_app


if __name__ == "__main__":
    main()
