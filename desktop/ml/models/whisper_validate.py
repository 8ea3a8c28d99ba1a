"""Check that a folder holds a Whisper model in CTranslate2 form (faster-whisper's layout), without
loading it: ``model.bin`` written by CTranslate2's Whisper converter, its ``config.json`` and the
tokenizer.

``model.bin`` is CTranslate2's own serialisation (a header naming the model's spec, then named
arrays): reading it runs no code, unlike a PyTorch pickle, so it is accepted where Precis
otherwise loads safetensors only. The header is read to be sure it is a Whisper spec.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import InvalidModel
from desktop.ml.models.validate import read_json_object

#: The files of a converted Whisper (Systran's repositories hold these plus a README).
TRANSCRIBER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json",
                     "preprocessor_config.json")
SPEC = "WhisperSpec"


@dataclass(frozen=True, slots=True)
class WhisperInfo:
    path: Path
    spec: str
    binary_version: int
    multilingual: bool
    mel_bins: int
    weight_bytes: int


def is_transcriber_file(relpath: str) -> bool:
    return "/" not in relpath and "\\" not in relpath and relpath in TRANSCRIBER_FILES


def looks_like_whisper(folder: Path) -> bool:
    """A folder with a CTranslate2 ``model.bin`` (as opposed to a transformers checkpoint)."""
    return (folder / "model.bin").is_file() and not any(folder.glob("*.safetensors"))


def validate_whisper_dir(path: Path | str) -> WhisperInfo:
    """What the folder holds, or ``InvalidModel`` with one sentence saying why it is not usable."""
    folder = Path(path)
    if not folder.is_dir():
        raise InvalidModel(f"{folder} is not a folder; give the folder that holds the Whisper model's model.bin.")
    weights = folder / "model.bin"
    if not weights.is_file():
        raise InvalidModel(f"{folder.name} has no model.bin, so it is not a Whisper model converted for CTranslate2 "
                           "(faster-whisper's format).")
    version, spec = _header(weights, folder.name)
    if spec != SPEC:
        raise InvalidModel(f"{folder.name} holds a CTranslate2 {spec or 'model'}, not a Whisper speech model.")
    config = _json(folder / "config.json", folder.name)
    if not (folder / "tokenizer.json").is_file():
        raise InvalidModel(f"{folder.name} has no tokenizer.json; copy it from the model's original folder.")
    preprocessor = _json(folder / "preprocessor_config.json", folder.name) if (folder / "preprocessor_config.json").is_file() else {}
    mel_bins = preprocessor.get("feature_size", 80)
    return WhisperInfo(
        path=folder.resolve(), spec=spec, binary_version=version,
        multilingual=len(config.get("lang_ids") or []) > 1,
        mel_bins=mel_bins if isinstance(mel_bins, int) else 80,
        weight_bytes=weights.stat().st_size,
    )


def _header(weights: Path, name: str) -> tuple[int, str]:
    """(binary version, spec name): an int32, then a uint16 length and the name, NUL-terminated."""
    try:
        with open(weights, "rb") as fh:
            head = fh.read(256)
        version = struct.unpack_from("<i", head, 0)[0]
        length = struct.unpack_from("<H", head, 4)[0]
        spec = head[6:6 + length].rstrip(b"\0").decode("ascii")
    except (OSError, struct.error, UnicodeDecodeError) as exc:
        raise InvalidModel(f"The model.bin in {name} is damaged or not a CTranslate2 model ({exc}).") from exc
    if not 1 <= version <= 64 or not 0 < length < 200:
        raise InvalidModel(f"The model.bin in {name} is not a CTranslate2 model (its header is not one).")
    return version, spec


def _json(path: Path, name: str) -> dict:
    return read_json_object(path, f"{name} has no {path.name}, so it is not a complete Whisper model.")
