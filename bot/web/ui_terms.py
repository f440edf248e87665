"""Staff-page texts built at run time ("status:" + status, …), listed so that
``make i18n-inbox`` extracts them into ``inbox.pot``."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


# Answers the bot gives outside the FAQ topics, by a short description (``answer:<key>``);
# FAQ answers (``utter_benefits/zorgtoeslag``) are named by their topic's button title.
ANSWER_KEYS = (
    "utter_welcome", "utter_language_set", "utter_greet", "utter_goodbye", "utter_help",
    "utter_out_of_scope", "utter_ask_rephrase", "utter_offer_casemanager", "utter_urgent_help",
    "utter_casemanager_contact", "utter_benefits_overview", "utter_insurance_overview",
    "utter_not_linked", "utter_link_success", "utter_link_invalid", "utter_link_expired",
    "utter_appointments_intro", "utter_appointment_item", "utter_no_appointments",
    "utter_reschedule_requested", "utter_school_intro", "utter_schools_intro",
    "utter_handoff_own_open", "utter_handoff_own_closed", "utter_handoff_team_open",
    "utter_handoff_team_closed", "app_handoff_back",
)

TERMS = [
    N_("answer:utter_welcome"), N_("answer:utter_language_set"), N_("answer:utter_greet"),
    N_("answer:utter_goodbye"), N_("answer:utter_help"), N_("answer:utter_out_of_scope"),
    N_("answer:utter_ask_rephrase"), N_("answer:utter_offer_casemanager"),
    N_("answer:utter_urgent_help"), N_("answer:utter_casemanager_contact"),
    N_("answer:utter_benefits_overview"), N_("answer:utter_insurance_overview"),
    N_("answer:utter_not_linked"), N_("answer:utter_link_success"),
    N_("answer:utter_link_invalid"), N_("answer:utter_link_expired"),
    N_("answer:utter_appointments_intro"), N_("answer:utter_appointment_item"),
    N_("answer:utter_no_appointments"), N_("answer:utter_reschedule_requested"),
    N_("answer:utter_school_intro"), N_("answer:utter_schools_intro"),
    N_("answer:utter_handoff_own_open"), N_("answer:utter_handoff_own_closed"),
    N_("answer:utter_handoff_team_open"), N_("answer:utter_handoff_team_closed"),
    N_("answer:app_handoff_back"),
    N_("event:start"), N_("event:set_language"), N_("event:help"),
    N_("event:talk_to_casemanager"), N_("event:forget_me"), N_("event:link_code"),
    N_("event:button"), N_("Today"), N_("Yesterday"),
    N_("reason:asked"), N_("reason:not_understood"), N_("reason:urgent"),
    N_("reason:reschedule"), N_("reason:school_choice"), N_("reason:handoff"),
    N_("status:open"), N_("status:claimed"), N_("status:closed"),
    N_("role:casemanager"), N_("role:teamlead"), N_("role:comms"),
    N_("kind:photo"), N_("kind:document"), N_("kind:voice"), N_("kind:audio"), N_("kind:video"),
    N_("kind:video_note"), N_("kind:animation"), N_("kind:sticker"), N_("kind:location"),
    N_("kind:venue"), N_("kind:contact"), N_("kind:poll"), N_("kind:dice"),
    N_("audit:login"), N_("audit:login_failed"), N_("audit:login_refused"), N_("audit:logout"),
    N_("audit:open_conversation"), N_("audit:open_attachment"), N_("audit:reply"),
    N_("audit:claim"), N_("audit:close"), N_("audit:note"), N_("audit:link_code"),
    N_("audit:telegram_link"), N_("audit:cli"),
    N_("audit:content_draft"), N_("audit:content_publish"), N_("audit:content_reject"),
    N_("audit:content_rollback"), N_("audit:content_roles"), N_("audit:content_cancel"),
    N_("audit:nlu_candidate"), N_("audit:nlu_candidate_review"),
    N_("Your session expired. Please try again."),
    N_("Too many wrong passwords for this account from your address. Try again in a few minutes."),
    N_("Too many wrong passwords from your address. Try again later."),
    N_("Wrong username or password."),
    N_("The assistant cannot be reached. Nothing was changed; try again in a minute."),
    N_("Linked: new requests in your inbox will be announced here."),
    N_("This code is not valid (any more). Make a new one in the inbox."),
]

# The content workflow's refusals (bot.content.editing.NotAllowed), shown on the history page.
CONTENT_REFUSALS = [
    N_("You may not change this text."),
    N_("Only a reviewer may approve and publish."),
    N_("A change is approved by someone else than its author."),
]

# The editor's areas (bot.content.topics.AREAS) and the languages by their name in the
# staff language ("Arabic", "Arabisch"), not by code.
EDITOR_TERMS = [
    N_("area:money"), N_("area:insurance"), N_("area:appointments"), N_("area:school"),
    N_("area:papers"), N_("area:words"), N_("area:assistant"),
    N_("language:nl"), N_("language:en"), N_("language:ar"), N_("language:ti"),
    N_("language:fa_AF"),
]
