"""Channels (web chat, Telegram) and the gateway they share."""
