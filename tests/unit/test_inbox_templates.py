"""Reply templates in the inbox, in-process (bot/web/routes/inbox.py, bot/handoff/service.py):
the page lists them in the casemanager's language, the preview shows both versions, a
template reply goes out in the person's language (stored with the casemanager's version,
audited by its key only), and a reply typed by hand is marked as sent untranslated."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import AMSTERDAM, utcnow
from bot.db.models import Conversation, Message, StaffAudit
from bot.db.session import Database


def speaks(db: Database, conversation_id: str, locale: str) -> None:
    with db.session() as s:
        s.get(Conversation, conversation_id).locale = locale


def tomorrow() -> str:
    return (utcnow().astimezone(AMSTERDAM).date() + timedelta(days=1)).isoformat()


def capture(svc) -> list:  # type: ignore[no-untyped-def]
    pushed: list = []

    async def push(conversation_id: str, replies: list) -> None:
        pushed.append((conversation_id, replies))

    svc.handoff.pushers["webchat"] = push
    return pushed


async def test_the_page_lists_templates_and_documents_in_the_staff_language(staff, escalations) -> None:  # type: ignore[no-untyped-def]
    sanne = await staff("sanne")  # Dutch inbox
    page = (await sanne.http.get(f"/inbox/escalations/{escalations['sanne']}")).text
    assert 'value="reply_call_you" data-fields="day time">Ik bel u [dag] om [tijd].' in page
    assert '<option value="term_document_rental_contract">uw huurcontract</option>' in page
    assert 'name="document_text"' in page and 'type="time"' in page and 'type="date"' in page
    assert "Gaat onvertaald" in page  # the free-text box says what it does


async def test_the_preview_shows_both_versions_right_to_left(staff, escalations, db) -> None:  # type: ignore[no-untyped-def]
    speaks(db, "webchat:noor", "ar")
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    resp = await sanne.post(esc, "preview", template="reply_call_you", day=tomorrow(), time="10:30")
    assert resp.status_code == 200
    assert 'dir="rtl"' in resp.text and 'lang="ar"' in resp.text
    assert "سأتصل بك" in resp.text and "غداً" in resp.text
    assert "Ik bel u morgen om 10:30." in resp.text
    assert "Sanne" in resp.text  # the label the person sees above it
    missing = await sanne.post(esc, "preview", template="reply_call_you", day=tomorrow())
    assert "Vul in: Tijd" in missing.text
    assert "Kies een sjabloon" in (await sanne.post(esc, "preview")).text
    own = await sanne.post(esc, "preview", template="reply_bring_document", document="other",
                           document_text="uw diploma")
    assert "uw diploma" in own.text and "niet vertaald" in own.text
    # Someone else's conversation, or no CSRF token: nothing.
    yonas = await staff("yonas")
    assert (await yonas.post(esc, "preview", template="reply_send_photo")).status_code == 404
    assert (await sanne.http.post(f"/inbox/escalations/{esc}/preview",
                                  data={"template": "reply_send_photo"})).status_code == 403


async def test_a_template_reply_goes_out_in_the_persons_language(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    pushed = capture(svc)
    speaks(db, "webchat:noor", "ti")
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    resp = await sanne.post(esc, "reply", template="reply_appointment_moved", date="2026-12-02", time="14:15")
    assert resp.status_code == 303
    (conv, replies), = pushed
    assert conv == "webchat:noor" and replies[0].sender == "Sanne" and replies[0].locale == "ti"
    assert replies[0].text.startswith("Sanne፣ ሓላፊ ጉዳይ:\n") and "ሓድሽ ቆጸራ" in replies[0].text
    assert "ታሕሳስ" in replies[0].text  # December, in Tigrinya
    with db.session() as s:
        msg = s.query(Message).filter_by(kind="staff").one()
        assert msg.locale == "ti" and "ሓድሽ ቆጸራ" in msg.text
        assert msg.template == {"key": "reply_appointment_moved", "locale": "nl",
                                "text": "Uw afspraak is verzet naar woensdag 2 december 2026 om 14:15."}
        audit = s.query(StaffAudit).filter_by(action="reply").one()
        # Which template, never what was filled in.
        assert audit.detail == "reply_appointment_moved" and audit.escalation_id == esc
    transcript = (await sanne.http.get(f"/inbox/escalations/{esc}/transcript")).text
    assert "sjabloon, in de eigen taal" in transcript
    assert "Uw afspraak is verzet naar woensdag 2 december 2026 om 14:15." in transcript
    assert 'lang="ti"' in transcript and "onvertaald verstuurd" not in transcript


async def test_a_reply_typed_by_hand_is_marked_untranslated(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    capture(svc)
    speaks(db, "webchat:noor", "fa_AF")
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    assert (await sanne.post(esc, "reply", text="Ik bel u morgen")).status_code == 303
    transcript = (await sanne.http.get(f"/inbox/escalations/{esc}/transcript")).text
    assert "onvertaald verstuurd" in transcript and "Ik bel u morgen" in transcript
    with db.session() as s:
        assert s.query(Message).filter_by(kind="staff").one().template is None
        assert s.query(StaffAudit).filter_by(action="reply").one().detail is None
    await sanne.http.post("/inbox/language", data={"csrf_token": sanne.csrf, "ui": "en", "next": "/inbox"})
    assert "sent untranslated" in (await sanne.http.get(f"/inbox/escalations/{esc}/transcript")).text


async def test_an_incomplete_template_reply_sends_nothing(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    pushed = capture(svc)
    sanne = await staff("sanne")
    esc = escalations["sanne"]
    resp = await sanne.post(esc, "reply", template="reply_call_you", day=tomorrow(), time="99:99")
    assert resp.status_code == 422 and "time" in resp.text
    assert (await sanne.post(esc, "reply", template="utter_goodbye")).status_code == 422
    assert pushed == []
    with db.session() as s:
        assert s.query(Message).filter_by(kind="staff").count() == 0
        assert s.query(StaffAudit).filter_by(action="reply").count() == 0


async def test_an_english_inbox_keeps_the_english_version(staff, escalations, web, db) -> None:  # type: ignore[no-untyped-def]
    svc, _ = web
    pushed = capture(svc)
    speaks(db, "webchat:noor", "ar")
    sanne = await staff("sanne")
    await sanne.http.post("/inbox/language", data={"csrf_token": sanne.csrf, "ui": "en", "next": "/inbox"})
    esc = escalations["sanne"]
    page = (await sanne.http.get(f"/inbox/escalations/{esc}")).text
    assert "I will call you [day] at [time]." in page and "your rental contract (huurcontract)" in page
    assert (await sanne.post(esc, "reply", template="reply_bring_document",
                             document="term_document_rental_contract")).status_code == 303
    (_, replies), = pushed
    assert "عقد الإيجار" in replies[0].text and replies[0].text.count("\u200f") >= 1
    with db.session() as s:
        msg = s.query(Message).filter_by(kind="staff").one()
        assert msg.template["text"] == "Please bring your rental contract (huurcontract) to your appointment."
        assert msg.template["locale"] == "en"
    transcript = (await sanne.http.get(f"/inbox/escalations/{esc}/transcript")).text
    assert "template, in their language" in transcript and "English:" in transcript


async def test_the_preview_warns_when_a_translation_is_missing(staff, escalations, app_settings, web, db) -> None:  # type: ignore[no-untyped-def]
    from harness.po_files import edit_po

    svc, _ = web
    speaks(db, "webchat:noor", "ti")
    edit_po(app_settings.locales_dir / "ti" / "LC_MESSAGES" / "wegwijs.po", "reply_send_photo", "")
    sanne = await staff("sanne")
    resp = await sanne.post(escalations["sanne"], "preview", template="reply_send_photo")
    assert "Please send me a photo of the letter." in resp.text
    assert "nog niet helemaal vertaald in het Tigrinya" in resp.text
    # Counted, like any answer that falls back.
    assert svc.renderer.catalogs.fallback_summary()["ti"] >= 1
