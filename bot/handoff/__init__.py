"""Handing a conversation to a person: who answers (rules), opening escalations, the relay
between the person and the inbox, notifications, staff Telegram links."""
