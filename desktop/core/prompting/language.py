"""Which parts of a document FLAN-T5 can read: language identification per line, not unknown tokens.

Counting ``<unk>`` tokens does not measure language: a run of unknown characters is one token,
so an all-Japanese email scored 0.056 and went to the model while a two-line Russian/English one
scored 0.115 and was refused. Instead every line of the document's own text (not headers,
quotes or signatures) is identified: by script first (a line written mostly in a script other
than Latin is decided by its letters, however short), then by py3langid (BSD, 142 languages,
no download; measured on the corpus in tests/core/prompting/test_language.py) for Latin-script
lines long enough to tell. Short Latin lines follow the document's language. English goes to
the model; French, German and Romanian (in FLAN-T5's training mix) go with a note that quality
is lower; anything else is left out and quoted instead.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from desktop.core.document import SECONDARY_ROLES, Block, Document

#: Languages FLAN-T5 summarizes well, and those it reads with lower quality (its training mix).
MODEL_LANGUAGES = frozenset({"en"})
WEAKER_LANGUAGES = frozenset({"fr", "de", "ro"})
#: Latin-script text shorter than this (letters) is not identified on its own: too short to tell.
MIN_LETTERS = 40
#: Below this confidence a Latin-script identification is not trusted (the line follows the document).
MIN_CONFIDENCE = 0.9
#: Letters looked at per document, as the old rule did: enough to decide, cheap for huge files.
SAMPLE_CHARS = 20_000
#: A document whose readable share of letters is at least this is sent whole; below the lower
#: bound nothing is sent (a stray English line does not make a Chinese tender summarizable).
WHOLE_SHARE = 0.9
NONE_SHARE = 0.1

NAMES = {
    "en": "English", "fr": "French", "de": "German", "ro": "Romanian", "es": "Spanish", "pt": "Portuguese",
    "it": "Italian", "nl": "Dutch", "la": "Latin", "ru": "Russian", "uk": "Ukrainian", "bg": "Bulgarian",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew", "th": "Thai",
    "el": "Greek", "hi": "Hindi", "fa": "Persian", "tr": "Turkish", "pl": "Polish", "cs": "Czech",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "hu": "Hungarian", "vi": "Vietnamese",
    "id": "Indonesian", "sr": "Serbian", "hr": "Croatian", "ca": "Catalan", "ka": "Georgian", "hy": "Armenian",
    "wuu": "Chinese", "yue": "Cantonese",
}
#: Script of a letter -> the language a line in that script is taken for when py3langid disagrees.
_SCRIPT_DEFAULT = {"CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "CYRILLIC": "ru",
                   "ARABIC": "ar", "HEBREW": "he", "THAI": "th", "GREEK": "el", "DEVANAGARI": "hi"}


#: Languages written in a script other than Latin (py3langid's codes): their text is never a
#: short Latin-script line's language.
_NON_LATIN = frozenset(set(_SCRIPT_DEFAULT.values()) | {"uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "fa", "ur",
                                                         "ps", "wuu", "yue", "ka", "hy", "am", "bn", "ta", "te",
                                                         "ml", "kn", "gu", "pa", "mr", "ne", "si", "km", "lo", "my"})


def language_name(code: str) -> str:
    return NAMES.get(code, code)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's model with normalised probabilities (loaded once, about 1 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER A" -> LATIN)."""
    name = unicodedata.name(ch, "")
    if name.startswith("CJK") or "IDEOGRAPH" in name:
        return "CJK"
    return name.split(" ", 1)[0] if name else "OTHER"


@dataclass(frozen=True, slots=True)
class Guess:
    """A line's language: ``code`` is None when the line is too short to tell."""

    code: str | None
    letters: int
    confidence: float = 0.0


def identify(text: str) -> Guess:
    """The language of ``text``. Script decides for non-Latin text; py3langid (on lowercased
    text: all-caps captions read as Pidgin otherwise) for Latin text of MIN_LETTERS or more."""
    scripts = Counter(_script(c) for c in text if c.isalpha())
    letters = sum(scripts.values())
    if not letters:
        return Guess(None, 0)
    script = scripts.most_common(1)[0][0]
    other = letters - scripts.get("LATIN", 0)
    if other * 2 > letters:
        if script == "LATIN" or script not in _SCRIPT_DEFAULT:
            script = next((s for s, _ in scripts.most_common() if s in _SCRIPT_DEFAULT), script)
        code, conf = _identifier().classify(text.lower()) if letters >= 3 else (None, 0.0)
        fallback = _SCRIPT_DEFAULT.get(script, "und")
        # Kana anywhere means Japanese even when Han characters dominate.
        if fallback == "zh" and (scripts.get("HIRAGANA") or scripts.get("KATAKANA")):
            fallback = "ja"
        keep = code is not None and code not in MODEL_LANGUAGES | WEAKER_LANGUAGES and conf >= 0.5
        return Guess(code if keep else fallback, letters, float(conf) if keep else 1.0)
    if letters < MIN_LETTERS:
        return Guess(None, letters)
    code, conf = _identifier().classify(text.lower())
    # "zxx" is py3langid's "no linguistic content" (codes, dumps): not a language to leave out.
    return Guess(code if conf >= MIN_CONFIDENCE and code != "zxx" else None, letters, float(conf))


def latin_script_language(text: str) -> tuple[str, float] | None:
    """The language py3langid finds most likely for ``text`` (lowercased) and its probability,
    when that language is written in the Latin script; None when it is not (or has no words)."""
    if not any(c.isalpha() for c in text):
        return None
    code, confidence = _identifier().classify(text.lower())
    if code in _NON_LATIN or code == "zxx":
        return None
    return str(code), float(confidence)


def readable(code: str | None) -> bool:
    return code is None or code in MODEL_LANGUAGES or code in WEAKER_LANGUAGES


@dataclass(slots=True)
class LanguagePlan:
    """What of one document goes to the model, and what the reader is told about the rest."""

    language: str
    #: The document with only its readable lines (same locators), or None when nothing is readable.
    readable: Document | None
    #: Letters per language that were left out.
    left_out: dict[str, int] = field(default_factory=dict)
    readable_share: float = 1.0

    @property
    def whole(self) -> bool:
        return not self.left_out

    def notes(self, name: str) -> list[str]:
        """One sentence per thing the reader should know (empty when the document is plain English)."""
        notes: list[str] = []
        left = ", ".join(dict.fromkeys(language_name(c) for c, _ in sorted(self.left_out.items(), key=lambda kv: -kv[1])))
        if self.readable is None:
            notes.append(f"{name} is in {left}, which the model cannot read, so its summary quotes the "
                         "document's own sentences instead of a generated summary.")
            return notes
        if self.language in WEAKER_LANGUAGES:
            notes.append(f"{name} is in {language_name(self.language)}: the model reads it, but its "
                         "summaries are less reliable than for English.")
        if self.left_out:
            notes.append(f"Parts of {name} in {left} ({100 - round(100 * self.readable_share)}% of its text) "
                         "were left out of the summary: the model cannot read them.")
        return notes


def plan(doc: Document) -> LanguagePlan:
    """Identify every line of ``doc``'s own text and keep the lines the model can read."""
    primary = [b for b in doc.blocks if b.role not in SECONDARY_ROLES] or list(doc.blocks)
    lines: list[tuple[int, str, Guess]] = []
    budget = SAMPLE_CHARS
    for i, block in enumerate(doc.blocks):
        for line in block.text.split("\n"):
            guess = identify(line) if budget > 0 and block in primary else Guess(None, 0)
            budget -= len(line)
            lines.append((i, line, guess))
    per_lang: Counter[str] = Counter()
    for i, _, g in lines:
        if g.code is not None and doc.blocks[i] in primary:
            per_lang[g.code] += g.letters
    main = per_lang.most_common(1)[0][0] if per_lang else "en"
    # A short Latin-script line follows the document when the document is in a Latin-script
    # language ("Merci à tous" in a French report); in a Russian or Chinese document it is a
    # Latin-script line of its own (the English half of a bilingual email), left readable.
    follow = main if main not in _NON_LATIN else None
    decided = [(i, line, g.code if g.code is not None else follow, g.letters) for i, line, g in lines]
    left_out: Counter[str] = Counter()
    kept_letters = total_letters = 0
    kept: dict[int, list[str]] = {}
    for i, line, code, letters in decided:
        if doc.blocks[i] in primary:
            total_letters += letters
        if readable(code):
            kept.setdefault(i, []).append(line)
            kept_letters += letters if doc.blocks[i] in primary else 0
        elif doc.blocks[i] in primary:
            left_out[code] += letters
    share = kept_letters / total_letters if total_letters else 1.0
    readable_main = main if readable(main) else next((c for c, _ in per_lang.most_common() if readable(c)), "en")
    if share >= WHOLE_SHARE or not left_out:
        return LanguagePlan(readable_main, doc, {}, 1.0)
    if share < NONE_SHARE:
        return LanguagePlan(main, None, dict(left_out) or {main: total_letters}, share)
    blocks = [dataclasses.replace(b, text="\n".join(kept[i]).strip()) for i, b in enumerate(doc.blocks)
              if i in kept and "\n".join(kept[i]).strip()]
    return LanguagePlan(readable_main, _with_blocks(doc, blocks), dict(left_out), share)


def _with_blocks(doc: Document, blocks: list[Block]) -> Document:
    """A copy of ``doc`` holding ``blocks`` (its children are summarized on their own)."""
    return dataclasses.replace(doc, blocks=blocks, children=[])
