"""The Hugging Face settings of this computer (mirror, offline mode, token, cache), read when asked.

huggingface_hub reads its environment variables once, when it is imported; Precis reads them
here, at the moment of a download or a listing, and passes them to huggingface_hub explicitly,
so what the model manager shows is what the next download uses. The same variables as
huggingface_hub, with the same defaults: ``HF_ENDPOINT``, ``HF_HUB_OFFLINE`` (or
``TRANSFORMERS_OFFLINE``), ``HF_TOKEN`` (or the token ``huggingface-cli login`` saved),
``HF_HUB_CACHE`` / ``HF_HOME``, ``HF_HUB_DISABLE_XET``. The token itself is never shown,
logged or returned by anything here but ``hub_token``.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = {"1", "on", "yes", "true"}


def _flag(*names: str) -> str | None:
    """The first of ``names`` set to a true value, as huggingface_hub's ``_is_true`` reads it."""
    return next((n for n in names if os.environ.get(n, "").strip().lower() in _TRUE), None)


def hf_home() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "huggingface"
    return Path(os.path.expandvars(os.environ.get("HF_HOME") or str(default))).expanduser()


def hub_cache_dir() -> tuple[Path, str]:
    """The Hugging Face cache folder and what set it (a variable's name, or "default")."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.path.expandvars(os.environ[name])).expanduser(), name
    return hf_home() / "hub", "HF_HOME" if os.environ.get("HF_HOME") else "default"


def _token_file() -> Path:
    return Path(os.path.expandvars(os.environ.get("HF_TOKEN_PATH") or str(hf_home() / "token"))).expanduser()


def hub_token() -> tuple[str | None, str | None]:
    """``(token, where it came from)``: ``HF_TOKEN``, the saved login, or ``(None, None)``."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = os.environ.get(name, "").strip()
        if value:
            return value, name
    try:
        value = _token_file().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        value = ""
    return (value, "saved login") if value else (None, None)


@dataclass(frozen=True, slots=True)
class HubEnvironment:
    """What a download will use, for the model manager and ``precis-cli models list``."""

    endpoint: str
    #: "HF_ENDPOINT" for a mirror, None for the Hub itself.
    endpoint_from: str | None
    #: The variable that turned offline mode on, None when it is off.
    offline_from: str | None
    #: Where the token comes from ("HF_TOKEN", "saved login"), None without one. Never the token.
    token_from: str | None
    cache_dir: Path
    cache_from: str
    #: Whether large files may come through the Xet transfer backend (hf_xet installed, not disabled).
    xet: bool

    @property
    def offline(self) -> bool:
        return self.offline_from is not None

    def lines(self) -> list[str]:
        """One sentence per setting, as the model manager shows them."""
        where = (f"the mirror {self.endpoint} ({self.endpoint_from})" if self.endpoint_from
                 else f"the Hugging Face Hub ({self.endpoint})")
        out = [f"Models download from {where}."]
        if self.offline:
            out.append(f"Offline mode is on ({self.offline_from}): nothing is downloaded; models already on this "
                       "computer are used.")
        if self.token_from == "saved login":
            out.append("The Hugging Face token saved by `huggingface-cli login` is sent with downloads.")
        elif self.token_from:
            out.append(f"A Hugging Face token is set ({self.token_from}) and is sent with downloads.")
        else:
            out.append("No Hugging Face token is set; public models need none.")
        out.append(f"Models already in the Hugging Face cache ({self.cache_dir}) are used where they are.")
        return out

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cache_dir"] = str(self.cache_dir)
        data["offline"] = self.offline
        return data


def hub_environment() -> HubEnvironment:
    """The settings as they are now (they may have changed since huggingface_hub was imported)."""
    endpoint = os.environ.get("HF_ENDPOINT", "").strip().rstrip("/")
    cache, cache_from = hub_cache_dir()
    xet = importlib.util.find_spec("hf_xet") is not None and _flag("HF_HUB_DISABLE_XET") is None
    return HubEnvironment(
        endpoint=endpoint or DEFAULT_ENDPOINT,
        endpoint_from="HF_ENDPOINT" if endpoint else None,
        offline_from=_flag("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"),
        token_from=hub_token()[1],
        cache_dir=cache,
        cache_from=cache_from,
        xet=xet,
    )
