"""What people type in the integration tests, per locale, and what the bot must answer."""

# What a person types, per locale and intent (the held-out split measures accuracy;
# here the point is the whole path).
SAY = {
    "ar": {
        "tandarts": "التأمين بيدفع لطبيب الاسنان للكبار؟",
        "huisarts": "كيف بسجل عند دكتور عائلة هون",
        "inburgering": "قديش عندي وقت لخلص الinburgering تبعي",
        "nareis": "كيف بقدم لم شمل لمرتي وولادي",
        "explain_term": "شو معنى كلمة aanmaning بالرسالة",
        "greet": "مرحبا كيف حالك",
        "zorgtoeslag": "بقدر اخد زورخ توسلاخ",
        "eigen_risico": "قديش الايخن ريسكو",
        "urgent_help": "ساعدوني زوجي عم يضربني",
        "bot_challenge": "انت روبوت",
        "help": "شو بتقدر تعمل",
        "thank": "شكرا جزيلا",
        "goodbye": "مع السلامة",
        "ask_appointment": "امتى موعدي الجاي",
        "talk_to_casemanager": "بدي احكي مع الكيس مانجر",
    },
    "ti": {
        "tandarts": "መድሕን ናይ ሓኪም ስኒ ይኸፍል ድዩ",
        "huisarts": "ሓኪም ስድራ ከመይ ገይረ ክምዝገብ",
        "inburgering": "ንinburgering ክንደይ ግዜ ኣለኒ ክውድኦ",
        "nareis": "ሰበይተይን ደቀይን ናብ ሆላንድ ከምጽኦም ከመይ ክሓትት",
        "explain_term": "aanmaning ዝብል ቃል እንታይ ማለት እዩ",
        "greet": "ሰላም ከመይ ኣለኻ",
        "zorgtoeslag": "ዞርኽቱስላኽ ክረክብ እኽእል ዶ",
        "eigen_risico": "ኣይኽን ሪስኮ እንታይ እዩ",
        "urgent_help": "ሓግዙኒ ሰብኣየይ ይወቕዓኒ ኣሎ",
        "bot_challenge": "ሮቦት ዲኻ",
        "help": "እንታይ ክትገብር ትኽእል",
        "thank": "ብጣዕሚ የቐንየለይ",
        "goodbye": "ደሓን ኩን",
        "ask_appointment": "ዝቕጽል ቆጸራይ መዓስ እዩ",
        "talk_to_casemanager": "ምስ ኬዝ ማናጀረይ ክዛረብ እደሊ",
    },
    "fa_AF": {
        "tandarts": "بیمه مه پول داکتر دندان ره میته؟",
        "huisarts": "چطور پیش داکتر خانوادگی نام نویسی کنم",
        "inburgering": "مهلت inburgering من چند سال است؟",
        "nareis": "میخواهم خانمم و اولادهایم را به هالند بیارم چطور درخواست بدهم",
        "explain_term": "کلمه aanmaning در نامه چه معنا دارد",
        "greet": "سلام چطور هستی",
        "zorgtoeslag": "میتانم زورخ توسلاخ بگیرم",
        "eigen_risico": "آیخن ریسیکو چی است",
        "urgent_help": "کمک شوهرم مرا میزنه",
        "bot_challenge": "تو روبات استی",
        "help": "چی کار کده میتانی",
        "thank": "بسیار تشکر",
        "goodbye": "خدا حافظ",
        "ask_appointment": "وقت ملاقات بعدی مه چی وقت است",
        "talk_to_casemanager": "میخایم با کیس منیجر خود گپ بزنم",
    },
    "en": {
        "tandarts": "does my insurance pay for the dentist?",
        "huisarts": "how do i register with a family doctor",
        "inburgering": "how much time do i have to finish my inburgering",
        "nareis": "how can i bring my wife and kids to the netherlands",
        "explain_term": "what does aanmaning mean on my letter",
        "greet": "hi there how are you",
        "zorgtoeslag": "can i get zorgtoeslag",
        "eigen_risico": "what is eigen risico",
        "urgent_help": "help my husband is hitting me",
        "bot_challenge": "are you a bot",
        "help": "what can you do",
        "thank": "thank you very much",
        "goodbye": "bye",
        "ask_appointment": "when is my next appointment",
        "talk_to_casemanager": "i want to talk to my casemanager",
    },
    "nl": {
        "tandarts": "betaalt de verzekering de tandarts voor volwassenen?",
        "huisarts": "hoe kan ik me inschrijven bij een huisarts",
        "inburgering": "hoeveel tijd heb ik om mijn inburgering af te maken",
        "nareis": "hoe kan ik mijn vrouw en kinderen naar nederland laten komen",
        "explain_term": "wat betekent aanmaning in mijn brief",
        "greet": "hoi hoe gaat het met je",
        "zorgtoeslag": "kan ik zorgtoeslag krijgen",
        "eigen_risico": "wat is het eigen risico",
        "urgent_help": "help mijn man slaat mij",
        "bot_challenge": "ben jij een robot",
        "help": "wat kan je",
        "thank": "dank je wel",
        "goodbye": "doei",
        "ask_appointment": "wanneer is mijn volgende afspraak",
        "talk_to_casemanager": "ik wil met mijn klantmanager praten",
    },
}
ANSWER = {
    "explain_term": "utter_term/aanmaning",
    "tandarts": "utter_insurance/tandarts",
    "huisarts": "utter_insurance/huisarts",
    "inburgering": "utter_inburgering/termijn",
    "nareis": "utter_practical/nareis",
    "greet": "utter_greet",
    "zorgtoeslag": "utter_benefits/zorgtoeslag",
    "eigen_risico": "utter_insurance/eigen_risico",
    "urgent_help": "utter_urgent_help",  # then the handoff (see handoff_text)
    "bot_challenge": "utter_bot_challenge",
    "help": "utter_help",
    "thank": "utter_thank",
    "goodbye": "utter_goodbye",
    "ask_appointment": "utter_not_linked",
    "talk_to_casemanager": "utter_handoff_team_open",  # or _closed: see handoff_text
}
# These hand the conversation to a person: the bot is quiet afterwards.
HANDOFF_INTENTS = ("urgent_help", "talk_to_casemanager")


def handoff_text(renderer, locale: str, name: str | None = None, hours=None) -> str:  # type: ignore[no-untyped-def]
    """What the bot says when it hands over: who answers, and when (depends on the clock)."""
    from datetime import datetime, timezone

    from bot.handoff.rules import TEAM_HOURS, Assignment, handoff_response, office_status

    hours = hours or TEAM_HOURS
    key, args = handoff_response(
        Assignment(1 if name else None, name, hours), office_status(hours, datetime.now(timezone.utc))
    )
    return renderer.render(key, locale, args).text
