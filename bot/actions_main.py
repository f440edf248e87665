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

    sys.argv[0] = "rasa-sdk"
    action_server_main()


if __name__ == "__main__":
    main()
