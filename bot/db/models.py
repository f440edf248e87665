"""Tables of the app. Rasa's SQL tracker store shares the database and owns ``events``.

SQLAlchemy 1.4 (Rasa's pin), written in 2.0 style: ``select()``, ``future=True``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

from bot.clock import utcnow

Base = declarative_base()


class Conversation(Base):
    """One chat identity on one channel, e.g. ``webchat:<session id>``."""

    __tablename__ = "conversations"

    id = Column(String(200), primary_key=True)
    channel = Column(String(20), nullable=False)
    locale = Column(String(10))
    # No longer used (erasure requests are rows of ``erasure_requests`` since 0011); kept
    # so the migration does not rebuild the table every message refers to.
    erase_requested = Column(Integer, default=0)
    created_at = Column(DateTime(timezone=True), default=utcnow)
    updated_at = Column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # A web chat session signed out on its device ("sign out of this chat"): its token no
    # longer resumes it, and it is no longer linked to a client.
    signed_out_at = Column(DateTime(timezone=True))


class Message(Base):
    """Every message in and out, so nothing a person sends is lost."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(
        String(200), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    direction = Column(String(3), nullable=False)  # "in" / "out"
    kind = Column(String(20), default="text")  # text, command, photo, voice, …
    text = Column(Text, default="")
    buttons = Column(JSON)
    locale = Column(String(10))
    # ok, failed; undelivered: a reply that reached no web chat tab yet (shown when one connects)
    status = Column(String(20), default="ok")
    # For incoming messages: the response keys the bot answered with (utter_…).
    answered_with = Column(JSON)
    # Non-text messages: {"type": "photo", "file_id": …, "file_name": …, "mime_type": …}.
    attachment = Column(JSON)
    # A reply written by a person in the inbox (kind "staff"), not by the bot.
    staff_id = Column(Integer)
    sender_name = Column(String(100))
    # A reply sent from a reply template: {"key": "reply_…", "locale": "nl", "text": the
    # casemanager's own version}; ``text`` is what the person received. None on a reply
    # typed by hand (sent untranslated).
    template = Column(JSON)
    created_at = Column(DateTime(timezone=True), default=utcnow)


class PendingTurn(Base):
    """An incoming message the bot still has to answer: Rasa or the action server was
    down (or the app stopped mid-turn). Deleted in the transaction that stores the answer.

    ``state``: ``waiting`` (never given to Rasa) or ``sent`` (given to Rasa at least once:
    Rasa may have answered it already, so its tracker is read before sending it again).
    """

    __tablename__ = "pending_turns"
    __table_args__ = (Index("ix_pending_turns_conversation_id_id", "conversation_id", "id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    message_id = Column(
        Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    conversation_id = Column(
        String(200), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    channel = Column(String(20), nullable=False)
    # What goes to Rasa (the neutralised text, or /link_account: never a link code).
    text = Column(Text, nullable=False)
    # Rasa's REST metadata (channel, locale hint, link status, the message id).
    rasa_metadata = Column(JSON)
    state = Column(String(10), nullable=False, default="waiting")
    attempts = Column(Integer, default=0)
    created_at = Column(DateTime(timezone=True), default=utcnow)


# Personal services -------------------------------------------------------------------


class Casemanager(Base):
    """A klantmanager with a caseload of about 50 clients."""

    __tablename__ = "casemanagers"

    id = Column(Integer, primary_key=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    team = Column(String(100), nullable=False)
    email = Column(String(200))
    phone = Column(String(40))
    languages = Column(JSON, default=list)  # locale identifiers spoken
    # {"mon": ["09:00", "17:00"], ...}; days without hours are days off.
    office_hours = Column(JSON, default=dict)
    absent_until = Column(DateTime(timezone=True))


class Client(Base):
    """A status holder in the programme (demo data is fictional)."""

    __tablename__ = "clients"

    id = Column(Integer, primary_key=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    locale = Column(String(10), nullable=False)
    casemanager_id = Column(Integer, ForeignKey("casemanagers.id"), nullable=True)
    district = Column(String(40))
    children = Column(Integer, default=0)
    created_at = Column(DateTime(timezone=True), default=utcnow)


class ChannelIdentity(Base):
    """A chat identity (``webchat:<session>``, ``telegram:<user id>``) linked to a client."""

    __tablename__ = "channel_identities"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False, unique=True)
    client_id = Column(Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)
    linked_at = Column(DateTime(timezone=True), default=utcnow)


class LinkCode(Base):
    """A one-time code from the casemanager; only its hash is stored."""

    __tablename__ = "link_codes"

    id = Column(Integer, primary_key=True)
    client_id = Column(Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)
    code_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True))
    used_by = Column(String(200))


class LinkAttempt(Base):
    """A code tried by a chat identity (for the limit on wrong attempts)."""

    __tablename__ = "link_attempts"
    __table_args__ = (
        Index("ix_link_attempts_conv_at", "conversation_id", "attempted_at"),
        Index("ix_link_attempts_peer_at", "peer_hash", "attempted_at"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False)
    attempted_at = Column(DateTime(timezone=True), default=utcnow)
    success = Column(Integer, default=0)
    # The network address it came from, keyed (bot.db.clients.peer_hash); none on Telegram.
    peer_hash = Column(String(32))


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_client_start", "client_id", "starts_at"),)

    id = Column(Integer, primary_key=True)
    client_id = Column(Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False)
    # intake, assessment, casemanager, language_boost, exam, job_hunter, …
    kind = Column(String(40), nullable=False)
    starts_at = Column(DateTime(timezone=True), nullable=False)
    duration_min = Column(Integer, default=60)
    location = Column(String(200))
    address = Column(String(300))
    with_whom = Column(String(200))
    bring = Column(Text)  # what to bring, in Dutch (names of documents)


class LanguageSchool(Base):
    __tablename__ = "language_schools"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    district = Column(String(40), nullable=False)
    address = Column(String(300), nullable=False)
    routes = Column(JSON, default=list)  # b1, onderwijs, z
    levels = Column(JSON, default=list)  # A1 … B2
    daytime = Column(Integer, default=0)
    evening = Column(Integer, default=0)
    weekend = Column(Integer, default=0)
    childcare = Column(Integer, default=0)
    women_only = Column(Integer, default=0)
    online = Column(Integer, default=0)
    waiting_weeks = Column(Integer, default=0)
    blik_op_werk = Column(Integer, default=0)


class Escalation(Base):
    """A request for a person, shown in the casemanagers' inbox.

    ``kind`` handoff (the person asked, the bot failed twice, urgent help: the bot is paused
    at once), reschedule or school_choice (a request; it becomes a live conversation when
    the casemanager replies). ``casemanager_id`` NULL is the team queue. While ``live`` and
    not closed, everything the person sends goes to the inbox and the bot stays quiet.
    """

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_conversation_status", "conversation_id", "status"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False)
    client_id = Column(Integer, ForeignKey("clients.id", ondelete="SET NULL"))
    casemanager_id = Column(Integer, ForeignKey("casemanagers.id", ondelete="SET NULL"))
    kind = Column(String(40), nullable=False)  # handoff, reschedule, school_choice
    status = Column(String(20), default="open")  # open, claimed, closed
    details = Column(JSON, default=dict)
    created_at = Column(DateTime(timezone=True), default=utcnow)
    reason = Column(String(40))  # asked, not_understood, urgent, reschedule, school_choice
    urgent = Column(Integer, default=0)
    live = Column(Integer, default=0)
    locale = Column(String(10))
    channel = Column(String(20))
    claimed_by = Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"))
    claimed_at = Column(DateTime(timezone=True))
    closed_by = Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"))
    closed_at = Column(DateTime(timezone=True))
    note = Column(Text)  # the casemanager's own note
    notified_at = Column(DateTime(timezone=True))
    updated_at = Column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Notification(Base):
    """One recipient's notice of one escalation on one channel (e-mail or Telegram): sent,
    or how often it failed and when it is tried next. No address or text is kept here:
    ``recipient`` is ``staff:<id>`` or ``casemanager:<id>``, ``last_error`` only the kind."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("escalation_id", "recipient", "channel"),)

    id = Column(Integer, primary_key=True)
    escalation_id = Column(Integer, ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False)
    recipient = Column(String(60), nullable=False)
    channel = Column(String(20), nullable=False)  # email, telegram
    sent_at = Column(DateTime(timezone=True))
    attempts = Column(Integer, default=0, nullable=False)
    next_try_at = Column(DateTime(timezone=True))
    last_error = Column(String(100))
    created_at = Column(DateTime(timezone=True), default=utcnow)


class Staff(Base):
    """A login for the inbox (casemanager, team lead) or the content page (comms)."""

    __tablename__ = "staff"

    id = Column(Integer, primary_key=True)
    username = Column(String(100), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)  # argon2
    display_name = Column(String(100), nullable=False)
    role = Column(String(20), nullable=False)  # a bot.roles.Role value
    casemanager_id = Column(Integer, ForeignKey("casemanagers.id", ondelete="SET NULL"))
    email = Column(String(200))
    locale = Column(String(10), default="nl")  # of the inbox: nl or en
    telegram_chat_id = Column(BigInteger)  # for notifications, when linked
    # A one-time code to link their own Telegram (HMAC, like the clients' link codes).
    telegram_code_hash = Column(String(64))
    telegram_code_expires = Column(DateTime(timezone=True))
    failed_logins = Column(Integer, default=0)
    locked_until = Column(DateTime(timezone=True))
    # Set by ``wegwijs staff disable``: no login, and open sessions end at once.
    disabled_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), default=utcnow)
    # What the account may do to the content (bot.roles.ContentRole): "editor",
    # "translator:<locale>", "reviewer"; none for an account that only reads it.
    content_roles = Column(JSON)


class StaffAudit(Base):
    """One thing a staff member (or an operator on the command line) did: who, what, on
    which escalation, client or message (ids only: never a message text or a password),
    when, and from which network address (a keyed hash). Read by team leads in the inbox
    (``/inbox/audit``); rows are only ever added."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_at", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), default=utcnow, nullable=False)
    # The account (kept when the account is removed: no foreign key); NULL for the
    # command line or a login to an account that does not exist.
    staff_id = Column(Integer)
    # The account's username at the time, or "cli:<os user>" on the command line.
    actor = Column(String(120))
    # login, login_failed, login_refused, logout, open_conversation, open_attachment,
    # reply, claim, close, note, link_code, telegram_link, cli
    action = Column(String(40), nullable=False)
    escalation_id = Column(Integer)
    client_id = Column(Integer)
    message_id = Column(Integer)
    # What else identifies the act: a CLI command and the account it concerned.
    detail = Column(String(200))
    address_hash = Column(String(16))


# Content (answers and their translations) ------------------------------------------


class ContentVersion(Base):
    """One version of one text: the English source of an answer (``locale`` "en": text,
    buttons, facts, note) or one translation of a catalog entry (``key`` is the gettext
    context: the answer's key, ``button:<id>`` or ``<key>:choice``; ``source`` the English
    it translates). Every change is a new row; rows are never edited except their state.

    ``state``: ``draft`` (not live), ``published`` (live from ``publish_at``: now or a
    later time), ``rejected``, ``cancelled`` (a scheduled publication a reviewer called off
    before its time). The live version of a (key, locale) is its newest published
    row whose ``publish_at`` has passed. ``raw``: the entry as it was written in the
    imported file, so that an export of what was not changed gives the same bytes.
    """

    __tablename__ = "content_versions"
    __table_args__ = (
        Index("ix_content_versions_key_locale", "key", "locale", "id"),
        Index("ix_content_versions_state", "state", "publish_at"),
    )

    id = Column(Integer, primary_key=True)
    key = Column(String(200), nullable=False)
    locale = Column(String(10), nullable=False)
    number = Column(Integer, nullable=False)  # 1, 2, … per (key, locale)
    text = Column(Text, nullable=False, default="")
    source = Column(Text)  # translations: the English text translated
    buttons = Column(JSON)  # English: [{id, title, payload, translate}]
    facts = Column(JSON)  # English: [{claim, source, date}]
    note = Column(Text)
    choice_button = Column(JSON)  # English: {title, payload}
    needs_review = Column(Integer, default=0)  # translations: marked fuzzy
    comments = Column(JSON)  # translations: {"user": [...], "previous": "old English"}
    raw = Column(Text)
    state = Column(String(20), nullable=False, default="draft")
    author = Column(String(120))  # a staff username, or "cli:<os user>" for an import
    author_id = Column(Integer)
    created_at = Column(DateTime(timezone=True), default=utcnow, nullable=False)
    reviewer = Column(String(120))
    reviewer_id = Column(Integer)
    reviewed_at = Column(DateTime(timezone=True))
    publish_at = Column(DateTime(timezone=True))


class ContentState(Base):
    """Named values of the content store: ``version`` (raised by every publication, so
    each app process knows when its cache is stale) and the layout of the exchange files
    (``layout:responses``, ``layout:po:<locale>``) that an export writes back."""

    __tablename__ = "content_state"

    name = Column(String(100), primary_key=True)
    number = Column(Integer, nullable=False, default=0)
    data = Column(JSON)


# Telegram ---------------------------------------------------------------------------


class TelegramUpdate(Base):
    """Each Telegram update once: a replayed ``update_id`` is recognised and ignored.

    The payload is kept only until the update is handled (crash recovery), then cleared.
    """

    __tablename__ = "telegram_updates"

    bot_id = Column(BigInteger, primary_key=True, autoincrement=False)
    update_id = Column(BigInteger, primary_key=True, autoincrement=False)
    # received, processing, stored (its message is stored: answered through the pending
    # turns, never handled again), done
    status = Column(String(20), nullable=False, default="received")
    payload = Column(JSON)
    received_at = Column(DateTime(timezone=True), default=utcnow)
    done_at = Column(DateTime(timezone=True))
    # When it was last taken for handling, and how often: one left "processing" (the
    # handler or finish failed) is taken again once the lease is over.
    claimed_at = Column(DateTime(timezone=True))
    attempts = Column(Integer, nullable=False, default=0, server_default="0")


class TelegramOutbox(Base):
    """A message on its way to Telegram; deleted once Telegram accepted it.

    Rows that could not be delivered yet (429, 5xx, network) wait for ``next_attempt_at``.
    """

    __tablename__ = "telegram_outbox"
    __table_args__ = (Index("ix_telegram_outbox_chat_id_id", "chat_id", "id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    bot_id = Column(BigInteger, nullable=False)
    chat_id = Column(BigInteger, nullable=False)
    conversation_id = Column(String(200), nullable=False)
    text = Column(Text, nullable=False)
    reply_markup = Column(JSON)
    attempts = Column(Integer, default=0)
    next_attempt_at = Column(DateTime(timezone=True), default=utcnow)
    last_error = Column(String(300))
    created_at = Column(DateTime(timezone=True), default=utcnow)


# Privacy ----------------------------------------------------------------------------


class ErasureRequest(Base):
    """A person's request to be forgotten (``forget_me``), kept until it is carried out.

    The gateway carries it out right after the confirming turn; when that fails (the turn
    failed, the app stopped) the housekeeping job tries again until it succeeds. Once done,
    ``conversation_id`` is cleared: what stays is that an erasure was done, when, and how
    many rows went (numbers only) — what a data-protection officer can be shown.
    """

    __tablename__ = "erasure_requests"
    __table_args__ = (
        Index("ix_erasure_requests_status_next", "status", "next_try_at"),
        # The gateway asks after every turn whether this conversation asked.
        Index("ix_erasure_requests_conversation", "conversation_id"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200))  # NULL once done
    status = Column(String(10), nullable=False, default="pending")  # pending, done
    requested_at = Column(DateTime(timezone=True), default=utcnow, nullable=False)
    attempts = Column(Integer, default=0, nullable=False)
    next_try_at = Column(DateTime(timezone=True))
    last_error = Column(String(100))  # the kind of error only
    done_at = Column(DateTime(timezone=True))
    counts = Column(JSON)  # {"messages": 12, ...}


class MessageCount(Base):
    """How many messages there were per day, channel, direction and kind: what retention
    keeps of the messages it deletes (no identity, no text)."""

    __tablename__ = "message_counts"
    __table_args__ = (UniqueConstraint("day", "channel", "direction", "kind"),)

    id = Column(Integer, primary_key=True)
    day = Column(String(10), nullable=False)  # YYYY-MM-DD (UTC)
    channel = Column(String(20), nullable=False)
    direction = Column(String(3), nullable=False)
    kind = Column(String(20), nullable=False)
    count = Column(Integer, nullable=False, default=0)


class NluCandidate(Base):
    """A question the assistant could not answer that the communications team says is a
    topic (``intent``, from the answer's key): a candidate training example for its
    locale. ``text`` is redacted (``bot.privacy.redact``) when it is stored; a reviewer
    accepts (``reviewed``) or rejects it; ``wegwijs nlu candidates --export`` writes the
    reviewed ones into ``nlu/<locale>/candidates.yml`` for the next training."""

    __tablename__ = "nlu_candidates"
    __table_args__ = (Index("ix_nlu_candidates_state", "state", "locale"),)

    id = Column(Integer, primary_key=True)
    locale = Column(String(10), nullable=False)
    text = Column(Text, nullable=False)
    intent = Column(String(200), nullable=False)
    message_id = Column(Integer)  # the message it came from (no foreign key: retention)
    state = Column(String(20), nullable=False, default="proposed")  # proposed, reviewed, rejected
    author = Column(String(80))
    created_at = Column(DateTime(timezone=True), default=utcnow)
    reviewer = Column(String(80))
    reviewed_at = Column(DateTime(timezone=True))
