"""The facts of issue 16 reach the person in every locale: each changed answer is translated
(not an English fallback) and carries the corrected fact, with the Dutch term in brackets
where the person meets it on letters."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n.catalogs import Catalogs
from bot.i18n.content import ContentSource
from bot.i18n.locales import LOCALES
from bot.i18n.render import LRI, PDI, RLM, Renderer

ROOT = Path(__file__).resolve().parents[2]

# What every locale's text must contain: numbers, links and the Dutch words people see on
# letters and websites, which stay as they are in every language.
MUST_CONTAIN = {
    "utter_benefits/huurtoeslag": ["zelfstandige woning", "2026", "18", "20", "https://www.toeslagen.nl (Mijn toeslagen)"],
    "utter_benefits/zorgtoeslag": ["https://www.toeslagen.nl (Mijn toeslagen)"],
    "utter_benefits/kindgebonden_budget": ["https://www.toeslagen.nl (Mijn toeslagen)"],
    "utter_benefits/bijstand": ["6", "ontzorgen"],
    "utter_insurance/zorgverzekering": ["collectieve zorgverzekering", "aanvullende verzekering", "4"],
    "utter_insurance/eigen_risico": ["385", "2026", "huisarts", "18"],
    "utter_insurance/aansprakelijkheid": ["WA-verzekering"],
    "utter_ask_school_route": ["PIP", "Z-route", "B1", "participatie"],
    "utter_urgent_help": ["112", "113 ", "0800-0113", "0800-2000", "14 020"],
    # The new topics of issue 16 (session 13).
    "utter_benefits/kinderopvangtoeslag": ["opvangtoeslag", "LRK", "https://www.toeslagen.nl", "3", "4"],
    "utter_benefits/terugbetalen": ["definitieve berekening", "terugvordering", "betalingsregeling", "Buurtteam", "4"],
    "utter_benefits/stadspas": ["Stadspas", "bijzondere bijstand", "scholierenvergoeding", "https://www.amsterdam.nl"],
    "utter_insurance/tandarts": ["basisverzekering", "18", "aanvullende tandartsverzekering", "eigen risico"],
    # Session 14: the family doctor and the out-of-hours GP service.
    "utter_insurance/huisarts": ["huisarts", "huisartsenpost", "088 003 0600", "112", "eigen risico", "BSN"],
    # Session 15: civic integration (inburgering).
    "utter_inburgering/termijn": ["inburgering", "3", "DUO", "PIP", "boete", "verlenging", "Mijn Inburgering", "inburgeren.nl", "DigiD"],
    "utter_inburgering/kosten": ["inburgering", "2022", "DUO", "lening", "Mijn Inburgering", "inburgeren.nl"],
    "utter_inburgering/examen": ["B1", "KNM", "MAP", "participatieverklaring", "onderwijsroute", "Z-route", "ontheffing", "inburgeren.nl"],
    # Session 16: DigiD, letters and debts, family reunification; two appointment kinds.
    # The activation letter within 3 working days, activation within 21 days (government.nl).
    "utter_practical/digid": ["DigiD", "digid.nl", "BSN", "3", "21", "088 123 6555", "machtiging", "OBA"],
    "utter_practical/brieven": ["Buurtteam", "aanmaning", "betalingsregeling", "deurwaarder", "schuldhulpverlening"],
    "utter_practical/nareis": ["nareis", "IND", "3", "18", "subsidiaire bescherming", "DNA"],
    "utter_term/taalboost": ["taalboost"],
    "utter_term/jobhunter": ["jobhunter"],
}
# The old, wrong or unclear wording must be gone from every locale.
MUST_NOT_CONTAIN = {
    "utter_benefits/huurtoeslag": ["belastingdienst.nl/huurtoeslag"],
    "utter_benefits/zorgtoeslag": ["belastingdienst.nl/zorgtoeslag"],
    "utter_benefits/kindgebonden_budget": ["belastingdienst.nl/kindgebondenbudget"],
    "utter_urgent_help": ["Zelfmoordpreventie: 0800-0113", "Zelfmoordpreventie على الرقم"],
    # Not "about 5 working days" and "within 20 days" any more.
    "utter_practical/digid": ["20"],
    # The 3 years start after the PIP, not on DUO's first letter about the inburgeringsplicht.
    "utter_inburgering/termijn": ["inburgeringsplicht"],
    # VluchtelingenWerk guides no new family-reunification applications in asylum reception
    # from 1 December 2025 (its newsroom): the answer points to the casemanager instead.
    "utter_practical/nareis": ["VluchtelingenWerk"],
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(ContentSource(ROOT / "content" / "responses.yml"), Catalogs(ROOT / "locales"))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", sorted(MUST_CONTAIN))
def test_corrected_fact_is_in_every_locale(renderer: Renderer, key: str, locale: str) -> None:
    rendered = renderer.render(key, locale)
    assert not rendered.fallback, f"{key} is not translated into {locale}"
    # Right-to-left texts isolate Latin words and numbers with marks; read past them.
    text = rendered.text.translate({ord(mark): None for mark in (LRI, PDI, RLM)})
    for piece in MUST_CONTAIN[key]:
        assert piece in text, (key, locale, piece)
    for piece in MUST_NOT_CONTAIN.get(key, []):
        assert piece not in text, (key, locale, piece)


def test_online_applications_say_have_the_contract_ready_not_bring_it() -> None:
    text = ContentSource(ROOT / "content" / "responses.yml").get("utter_benefits/huurtoeslag").text
    assert "Have your rental contract ready" in text and "Bring" not in text


def test_liability_answer_still_says_personal_liability_is_not_compulsory(renderer: Renderer) -> None:
    text = renderer.render("utter_insurance/aansprakelijkheid", "en").text
    assert "not required by law" in text and "car, scooter or moped" in text
