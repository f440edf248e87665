"""Language identification for the five Wegwijs locales.

The script decides first: Ge'ez script is Tigrinya. Within the Arabic script (Arabic or
Dari) and the Latin script (English, Dutch, and Arabic, Dari or Tigrinya typed in Latin
letters: Arabizi "wen maw3edi", "tashakor", "selam kemey alekum") a small multinomial naive Bayes model over character
n-grams and words decides. It is trained on the project's own NLU examples, counted per
script: the Latin-script examples of ``ar``, ``fa_AF`` and ``ti`` teach it Arabizi,
Latin Dari and Latin Tigrinya without diluting what the Arabic-script ones teach about Arabic against Dari. Digits
inside words ("3ndi", "7abibi", "mas2oul") are letters in Arabizi and kept as features.

No Rasa imports here: ``nlu.components`` wraps this for the pipeline.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from nlu.text import script_of, strip_control

SCRIPT_LOCALES: dict[str, tuple[str, ...]] = {
    "ethiopic": ("ti",),
    "arabic": ("ar", "fa_AF"),
    "latin": ("en", "nl", "ar", "fa_AF", "ti"),
}
_WORD = re.compile(r"\w+", re.UNICODE)


def _is_arabic_letter(ch: str) -> bool:
    cp = ord(ch)
    return 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF


def script_words(text: str, script: str | None) -> list[str]:
    """The words of ``text`` that speak for a locale of ``script``.

    In an Arabic-script message only the Arabic-script words do: the Dutch terms typed
    in Latin letters ("huisarts", "eigen risico", "AVP") are the same in Arabic and Dari
    messages and only add noise to telling the two apart.
    """
    words = [w for w in _WORD.findall(strip_control(text).casefold())
             if not (w.isdigit() or w.replace("_", "").isdigit())]
    if script == "arabic":
        own = [w for w in words if any(_is_arabic_letter(c) for c in w)]
        return own or words
    return words


def features(text: str, script: str | None = None) -> list[tuple[str, float]]:
    """Weighted character 1-4 grams inside word boundaries, plus whole words.

    Each word weighs about the same, however long: one long Dutch compound
    ("aansprakelijkheidsverzekering") in an English sentence must not outvote the
    English words around it. Letter variants are kept (no locale is known yet):
    Persian ی/ک against Arabic ي/ك is one of the strongest signals for Dari.
    With ``script`` given, only that script's words count (``script_words``).
    """
    feats: list[tuple[str, float]] = []
    for word in script_words(text, script):
        padded = f" {word} "
        grams = [
            padded[i : i + n]
            for n in (1, 2, 3, 4)
            for i in range(len(padded) - n + 1)
            if padded[i : i + n].strip()
        ]
        weight = min(1.0, 16 / max(len(grams), 1))
        feats.append(("w:" + word, 2.0))
        feats.extend((g, weight) for g in grams)
    return feats


@dataclass
class Prediction:
    locale: str | None
    confidence: float
    script: str | None
    words: int


def language_script(text: str) -> str | None:
    """The script that tells the language of ``text``, which is not always the one with
    the most letters: Dutch and English terms are typed in Latin letters inside Tigrinya,
    Arabic and Dari sentences ("mijn afspraak met klantmanager wanneer እዩ"), never the other
    way round. Two Ge'ez letters make a message Tigrinya; Arabic-script letters make it
    Arabic or Dari when they are at least a fifth of the letters or form a word of two
    letters or more ("apply for zorgtoeslag كيف؟" is an Arabic speaker asking)."""
    ethiopic = arabic = letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        cp = ord(ch)
        if 0x1200 <= cp <= 0x137F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F:
            ethiopic += 1
        elif _is_arabic_letter(ch):
            arabic += 1
    if ethiopic >= 2:
        return "ethiopic"
    if arabic >= 2 and (
        arabic * 5 >= letters
        or any(sum(map(_is_arabic_letter, w)) >= 2 for w in _WORD.findall(text))
    ):
        return "arabic"
    return script_of(text)


def _key(script: str, locale: str) -> str:
    return f"{script}:{locale}"


@dataclass
class LanguageIdentifier:
    """Per-script multinomial naive Bayes over ``features``.

    ``counts`` is keyed by ``"<script>:<locale>"`` (e.g. ``"latin:ar"`` for Arabizi).
    """

    alpha: float = 0.3
    counts: dict[str, dict[str, float]] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)
    vocab: dict[str, int] = field(default_factory=dict)

    def fit(self, samples: Iterable[tuple[str, str]]) -> LanguageIdentifier:
        counts: dict[str, Counter] = defaultdict(Counter)
        docs: Counter = Counter()
        for text, locale in samples:
            script = language_script(text)
            if script is None or locale not in SCRIPT_LOCALES.get(script, ()):
                continue
            key = _key(script, locale)
            for feat, weight in features(text, script):
                counts[key][feat] += weight
            docs[key] += 1
        self.counts = {key: dict(c) for key, c in counts.items()}
        self.totals = {key: sum(c.values()) for key, c in counts.items()}
        self.docs = dict(docs)
        vocab: dict[str, int] = {}
        for script, locales in SCRIPT_LOCALES.items():
            seen: set[str] = set()
            for loc in locales:
                seen.update(self.counts.get(_key(script, loc), {}))
            vocab[script] = len(seen)
        self.vocab = vocab
        return self

    def _locales(self, script: str) -> tuple[str, ...]:
        """The locales of ``script`` this model has examples for (all, if it has none)."""
        locales = SCRIPT_LOCALES[script]
        known = tuple(loc for loc in locales if self.docs.get(_key(script, loc)))
        return known or locales

    def scores(self, text: str, script: str) -> dict[str, float]:
        """Posterior probability of each locale of ``script``."""
        locales = self._locales(script)
        if len(locales) == 1:
            return {locales[0]: 1.0}
        feats = features(text, script)
        v = max(self.vocab.get(script, 1), 1)
        n_docs = sum(self.docs.get(_key(script, loc), 0) for loc in locales) or 1
        logp = {}
        for loc in locales:
            c = self.counts.get(_key(script, loc), {})
            total = self.totals.get(_key(script, loc), 0)
            denom = math.log(total + self.alpha * v)
            # A small prior: Arabizi is rarer in Latin script than English or Dutch.
            lp = 0.5 * math.log((self.docs.get(_key(script, loc), 0) + 1) / (n_docs + 1))
            for f, weight in feats:
                lp += weight * (math.log(c.get(f, 0) + self.alpha) - denom)
            logp[loc] = lp
        top = max(logp.values())
        exp = {loc: math.exp(lp - top) for loc, lp in logp.items()}
        z = sum(exp.values())
        return {loc: e / z for loc, e in exp.items()}

    def predict(self, text: str) -> Prediction:
        """The most likely locale of ``text``, or None when it has no letters.

        The confidence is the posterior, scaled down when fewer than half of the words
        were ever seen in the script's training examples: "qwx zzv plop" is Latin
        script, but no evidence of English or Dutch.
        """
        script = language_script(text)
        words = script_words(text, script)
        if script is None:
            return Prediction(None, 0.0, None, len(words))
        probs = self.scores(text, script)
        best = max(probs, key=probs.__getitem__)
        confidence = probs[best]
        locales = self._locales(script)
        if len(locales) > 1 and words:
            known = sum(
                any(f"w:{w}" in self.counts.get(_key(script, loc), {}) for loc in locales)
                for w in words
            ) / len(words)
            confidence *= min(1.0, 2 * known)
        return Prediction(best, round(confidence, 4), script, len(words))

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "counts": self.counts,
            "totals": self.totals,
            "docs": self.docs,
            "vocab": self.vocab,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LanguageIdentifier:
        return cls(
            alpha=data["alpha"],
            counts=data["counts"],
            totals=data["totals"],
            docs=data["docs"],
            vocab=data["vocab"],
        )


def is_clear_switch(pred: Prediction, current: str | None, threshold: float = 0.9) -> bool:
    """Whether a message is clearly written in another locale than ``current``.

    One word ("ok", "سلام", "hallo") is never enough: greetings and loanwords are shared.
    """
    if pred.locale is None or current is None or pred.locale == current:
        return False
    if pred.script == "ethiopic" or pred.script not in scripts_of(current):
        # A script the current locale is never written in is strong evidence, but not
        # gibberish in it.
        return pred.words >= 2 and pred.confidence >= 0.5
    # Same script (English vs Dutch, Arabic vs Dari, English vs Arabizi): be sure.
    return pred.words >= 3 and pred.confidence >= threshold


def scripts_of(locale: str) -> set[str]:
    """The scripts ``locale`` is written in (Arabic and Dari: their own and Latin)."""
    return {script for script, locales in SCRIPT_LOCALES.items() if locale in locales}
