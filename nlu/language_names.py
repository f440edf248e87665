"""Names of the five locales as people write them, in all five languages.

Used to find the entity ``language`` in "can we speak Tigrinya?", "بدي احكي عربي",
"ብትግርኛ ክንዛረብ ንኽእል ዶ". Latin names must match a whole word; names in Arabic and Ge'ez
script may carry a prefix (بال…, به…, ብ…), so they match inside a word.
"""

from __future__ import annotations

from nlu.text import normalize

# Each name is stored normalised for its own script (see ``normalize``).
NAMES: dict[str, tuple[str, ...]] = {
    # Latin-script names as Arabic and Dari speakers type them (Arabizi "3arabi").
    "ar": ("arabic", "arabisch", "arab", "3arabi", "3arabe", "arabi", "عربي", "عربيه", "عربی", "ዓረብ", "ዓረብኛ", "ዐረብኛ", "ዓረቢ"),
    "ti": ("tigrinya", "tigrinia", "tigrigna", "tigrinja", "tigrinyan", "tigrigna", "tigrina", "ትግርኛ", "ትግሪኛ",
           "تغرينيا", "تغرينيه", "تجرينيا", "تیگرینیا", "تگرینیا", "تیگرنیا", "تيغرينيا"),
    "fa_AF": ("dari", "farsi", "persian", "perzisch", "darri", "دري", "دری", "فارسي", "فارسی", "ዳሪ", "ፋርሲ"),
    "en": ("english", "engels", "engelse", "inglizi", "engelisi", "inglisi", "انجليزي", "انكليزي", "انگلیسی", "انگليسي",
           "انجلیسی", "እንግሊዝኛ", "እንግሊዘኛ", "ኢንግሊሽ"),
    "nl": ("dutch", "nederlands", "hollands", "nederlandse", "holandi", "hollandi", "holandy", "هولندي", "هولنديه", "هالندی",
           "هلندی", "هالندي", "ሆላንድኛ", "ሆላንዳዊ", "ዳች", "ኔዘርላንድኛ"),
}

_LATIN = {normalize(n): loc for loc, names in NAMES.items() for n in names if n.isascii()}
_OTHER = [(normalize(n), loc) for loc, names in NAMES.items() for n in names if not n.isascii()]


def find_language_names(text: str) -> list[tuple[str, int, int]]:
    """(locale, start, end) for every language name in ``text``; offsets into ``text``."""
    found: list[tuple[str, int, int]] = []
    pos = 0
    for word in text.split():
        start = text.index(word, pos)
        end = start + len(word)
        pos = end
        folded = normalize(word)
        # The same folding both ways: Arabic and Persian letter variants meet.
        folded_ar = normalize(word, "ar")
        if folded.strip(".,!?;:") in _LATIN:
            found.append((_LATIN[folded.strip(".,!?;:")], start, end))
            continue
        for name, loc in _OTHER:
            if name in folded or normalize(name, "ar") in folded_ar:
                found.append((loc, start, end))
                break
    return found
