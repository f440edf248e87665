"""Staff-page texts built at run time ("status:" + status, …), listed so that
``make i18n-inbox`` extracts them into ``inbox.pot``."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


TERMS = [
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
    N_("Your session expired. Please try again."),
    N_("Too many wrong passwords for this account from your address. Try again in a few minutes."),
    N_("Too many wrong passwords from your address. Try again later."),
    N_("Wrong username or password."),
    N_("The assistant cannot be reached. Nothing was changed; try again in a minute."),
    N_("Linked: new requests in your inbox will be announced here."),
    N_("This code is not valid (any more). Make a new one in the inbox."),
]
