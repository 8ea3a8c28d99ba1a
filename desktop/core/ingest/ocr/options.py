"""What a user chose about OCR (auto, always, never; which languages), carried to every reader."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ``auto``: recognize pages without a real text layer; ``always``: every page; ``never``: none.
MODES = ("auto", "always", "never")
DEFAULT_LANG = "eng"
_LANG = re.compile(r"^[A-Za-z_]{2,16}(\+[A-Za-z_]{2,16})*$")


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """``lang`` is Tesseract's spelling: ``eng``, ``eng+fra``. ``workers`` 0 means one per core."""

    mode: str = "auto"
    lang: str = DEFAULT_LANG
    use_cache: bool = True
    workers: int = 0
    dpi: int = 200

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"OCR mode must be one of {', '.join(MODES)}, not {self.mode!r}.")
        if not _LANG.match(self.lang):
            raise ValueError(f"OCR languages are written like eng or eng+fra, not {self.lang!r}.")

    @property
    def enabled(self) -> bool:
        return self.mode != "never"

    @property
    def languages(self) -> list[str]:
        return self.lang.split("+")


DEFAULT_OCR = OcrOptions()
