"""What the tests and the benchmarks share (neither imports from the other):

- ``stack``: the real Rasa server, action server and app on free ports;
- ``webchat``, ``inbox``, ``telegram_updates``: a web chat user, a casemanager in the
  inbox, a Telegram user (offline update builders);
- ``fake_telegram``, ``fake_smtp``: local stand-ins for the Telegram Bot API and SMTP;
- ``waiting``: ``eventually()``, the one way to wait for something to happen;
- ``trackers``, ``phrases``, ``po_files``, ``browser``: scenario trackers for actions,
  what people say in each locale, editing catalogs, headless Chromium;
- ``heldout``, ``evaluation``: the held-out data and the understanding scores.
"""
