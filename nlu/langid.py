"""Language identification for the five Wegwijs locales.

The script decides first: Ge'ez script is Tigrinya. Within the Arabic script (Arabic or
Dari) and the Latin script (English or Dutch) a small multinomial naive Bayes model over
character n-grams and words decides; it is trained on the project's own NLU examples, so
it knows Levantine Arabic, Afghan Dari words and Dutch loanwords as people write them.

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
    "latin": ("en", "nl"),
}
_WORD = re.compile(r"\w+", re.UNICODE)


def features(text: str) -> list[tuple[str, float]]:
    """Weighted character 1-4 grams inside word boundaries, plus whole words.

    Each word weighs about the same, however long: one long Dutch compound
    ("aansprakelijkheidsverzekering") in an English sentence must not outvote the
    English words around it. Letter variants are kept (no locale is known yet):
    Persian ی/ک against Arabic ي/ك is one of the strongest signals for Dari.
    """
    text = strip_control(text).casefold()
    feats: list[tuple[str, float]] = []
    for word in _WORD.findall(text):
        if word.isdigit():
            continue
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


@dataclass
class LanguageIdentifier:
    """Per-script multinomial naive Bayes over ``features``."""

    alpha: float = 0.3
    counts: dict[str, dict[str, float]] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)
    vocab: dict[str, int] = field(default_factory=dict)

    def fit(self, samples: Iterable[tuple[str, str]]) -> LanguageIdentifier:
        counts: dict[str, Counter] = defaultdict(Counter)
        docs: Counter = Counter()
        for text, locale in samples:
            for feat, weight in features(text):
                counts[locale][feat] += weight
            docs[locale] += 1
        self.counts = {loc: dict(c) for loc, c in counts.items()}
        self.totals = {loc: sum(c.values()) for loc, c in counts.items()}
        self.docs = dict(docs)
        vocab: dict[str, int] = {}
        for script, locales in SCRIPT_LOCALES.items():
            seen: set[str] = set()
            for loc in locales:
                seen.update(self.counts.get(loc, {}))
            vocab[script] = len(seen)
        self.vocab = vocab
        return self

    def scores(self, text: str, script: str) -> dict[str, float]:
        """Posterior probability of each locale of ``script``."""
        locales = SCRIPT_LOCALES[script]
        if len(locales) == 1:
            return {locales[0]: 1.0}
        feats = features(text)
        v = max(self.vocab.get(script, 1), 1)
        logp = {}
        for loc in locales:
            c = self.counts.get(loc, {})
            total = self.totals.get(loc, 0)
            denom = math.log(total + self.alpha * v)
            lp = 0.0
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
        script = script_of(text)
        words = [w for w in _WORD.findall(strip_control(text).casefold()) if not w.isdigit()]
        if script is None:
            return Prediction(None, 0.0, None, len(words))
        probs = self.scores(text, script)
        best = max(probs, key=probs.__getitem__)
        confidence = probs[best]
        locales = SCRIPT_LOCALES[script]
        if len(locales) > 1 and words:
            known = sum(
                any(f"w:{w}" in self.counts.get(loc, {}) for loc in locales) for w in words
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
    if pred.script == "ethiopic" or script_locale_differs(pred.locale, current):
        # Another script is strong evidence, but not gibberish in it.
        return pred.words >= 2 and pred.confidence >= 0.5
    return pred.words >= 3 and pred.confidence >= threshold


def script_locale_differs(a: str, b: str) -> bool:
    """True when locales ``a`` and ``b`` are written in different scripts."""
    def script(loc: str) -> str:
        return next(s for s, locs in SCRIPT_LOCALES.items() if loc in locs)

    return script(a) != script(b)
