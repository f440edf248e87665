"""Telegram, with python-telegram-bot 22: webhook (production) or polling (development).

Every update goes the same way, whatever brought it:

1. the webhook route (``bot.web.routes.telegram_webhook``) checks Telegram's secret header
   and :mod:`~bot.channels.telegram.updates` stores the update before the route answers
   200; polling stores it when it is taken;
2. :class:`~bot.channels.telegram.updates.PerChatOrder` handles the updates of one chat
   one at a time, in order; a replay is dropped;
3. :mod:`~bot.channels.telegram.handlers` turn the update into an ``Incoming`` for the
   gateway (the same path as the web chat);
4. :mod:`~bot.channels.telegram.compose` makes Telegram messages of the replies and
   :mod:`~bot.channels.telegram.outbox` sends them, in order, retrying, never losing one.

:mod:`~bot.channels.telegram.channel` holds the life cycle.
"""

from bot.channels.telegram.channel import TELEGRAM_LANGUAGE, TelegramChannel
from bot.channels.telegram.handlers import CHANNEL, conversation_id

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

__all__ = ["CHANNEL", "SECRET_HEADER", "TELEGRAM_LANGUAGE", "TelegramChannel", "conversation_id"]
