"""Text normalisation and script detection for the five Wegwijs locales.

Pure functions with no Rasa imports, shared by the NLU components, the app and the tests.
Normalisation is locale-aware: Arabic and Dari share a script but spell some letters
differently, so the locale must be known (see ``nlu.langid``) before letters are unified.
"""

from __future__ import annotations

import math
import re
import unicodedata

LOCALES: tuple[str, ...] = ("ar", "ti", "fa_AF", "en", "nl")
RTL_LOCALES: frozenset[str] = frozenset({"ar", "fa_AF"})

ZWNJ = "\u200c"
TATWEEL = "\u0640"

# Arabic-Indic (U+0660..) and Extended Arabic-Indic / Persian (U+06F0..) digits.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
# Ethiopic digits ፩..፱ (there is no zero); ፲ and up are left alone.
_DIGITS.update({ord(c): str(i + 1) for i, c in enumerate("፩፪፫፬፭፮፯፰፱")})

# Harakat, tanween, shadda, sukun, superscript alef, Quranic marks.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Ge'ez punctuation: wordspace, full stop, comma, semicolon, colon, preface colon,
# question mark, paragraph separator.
_GEEZ_PUNCT = re.compile("[\u1360-\u1368]")
_ARABIC_PUNCT = re.compile("[\u060c\u061b\u061f\u066a-\u066d\u06d4]")
_REPEATS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")

_ALEF_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_TO_ARABIC = str.maketrans({"ی": "ي", "ى": "ي", "ک": "ك", "ۀ": "ه", "ة": "ه"})
_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه"})


def strip_control(text: str) -> str:
    """Remove control and format characters except ZWNJ and newlines; NFC-normalise."""
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "\n\t" or ch == ZWNJ:
            kept.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        kept.append(ch)
    return "".join(kept)


def is_ethiopic(ch: str) -> bool:
    """A character of the Ge'ez (Ethiopic) blocks."""
    cp = ord(ch)
    return 0x1200 <= cp <= 0x137F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F


def is_arabic(ch: str) -> bool:
    """A character of the Arabic blocks (letters, digits, marks, presentation forms)."""
    cp = ord(ch)
    return 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF


def script_of(text: str) -> str | None:
    """The dominant writing system of ``text``: "ethiopic", "arabic", "latin" or None."""
    counts = {"ethiopic": 0, "arabic": 0, "latin": 0}
    for ch in text:
        cp = ord(ch)
        if is_ethiopic(ch):
            counts["ethiopic"] += 1
        elif is_arabic(ch):
            if unicodedata.category(ch).startswith("L"):
                counts["arabic"] += 1
        elif ch.isalpha() and ch.isascii() or 0x00C0 <= cp <= 0x024F:
            counts["latin"] += 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else None


def normalize(text: str, locale: str | None = None) -> str:
    """Fold the spelling variants people type into one form for matching and features.

    - NFKC (Arabic presentation forms become base letters), control characters removed;
    - Arabic-Indic, Persian and Ethiopic digits become ASCII digits;
    - tatweel, harakat and tanween removed; alef variants unified;
    - Arabic ي/ك/ى and Persian ی/ک unified in the direction of ``locale``
      (Arabic letters for ``ar``, Persian letters for ``fa_AF``); ZWNJ is dropped so that
      "می‌خواهم" and "میخواهم" meet;
    - Ge'ez and Arabic punctuation become spaces; letters repeated 3+ times are cut to 2;
    - lower case; runs of white space become one space.
    """
    text = strip_control(unicodedata.normalize("NFKC", text))
    text = text.translate(_DIGITS)
    text = text.replace(TATWEEL, "")
    text = _ARABIC_MARKS.sub("", text)
    text = text.translate(_ALEF_VARIANTS)
    if locale == "fa_AF":
        text = text.translate(_TO_PERSIAN)
    elif locale == "ar":
        text = text.translate(_TO_ARABIC)
    text = text.replace(ZWNJ, "")
    text = _GEEZ_PUNCT.sub(" ", text)
    text = _ARABIC_PUNCT.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    text = text.casefold()
    return _SPACES.sub(" ", text).strip()


MAX_PIECE = 24  # letters of the longest word a glued word is split into


def segment(word: str, vocabulary: dict[str, int], min_piece: int = 2, max_parts: int = 4,
            min_length: int = 4) -> list[str]:
    """A word people typed without spaces, split into words the model knows.

    Phones and hurried typing glue words together ("ቢልክኸፍልኣይከኣልኩን", "كلمةالسرغلط"): the
    model then sees one unknown word. When ``word`` is written in the Arabic or Ge'ez script,
    is not itself in ``vocabulary`` (normalised word → count) and can be written as two to
    ``max_parts`` known words of at least ``min_piece`` letters, those words are returned
    (the fewest pieces; among equals the most frequent words); otherwise ``[word]``. Latin
    script is never split (Arabizi, Dutch compounds). Pieces are at most ``MAX_PIECE``
    letters, so a word longer than ``max_parts * MAX_PIECE`` stays whole and the work per
    word is bounded (a message of 2,000 letters without a space costs nothing)."""
    if (word in vocabulary or len(word) < min_length or len(word) > max_parts * MAX_PIECE
            or not any(is_arabic(c) or is_ethiopic(c) for c in word)):
        return [word]
    n = len(word)
    best: list[tuple[int, float, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, ())
    for end in range(min_piece, n + 1):
        for start in range(max(0, end - MAX_PIECE), end - min_piece + 1):
            before = best[start]
            count = vocabulary.get(word[start:end])
            if before is None or not count or before[0] >= max_parts:
                continue
            candidate = (before[0] + 1, before[1] - math.log(count), before[2] + (word[start:end],))
            current = best[end]
            if current is None or candidate[:2] < current[:2]:
                best[end] = candidate
    found = best[n]
    return list(found[2]) if found is not None and found[0] >= 2 else [word]
