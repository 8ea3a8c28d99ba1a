"""The heavy one-off jobs that run in a spawned child (see ``child.py``): conversions and exports.

Each is a module-level function of plain arguments (paths as strings) so ``spawn`` can pickle
it. They write only into the output folder they are given: never into the model folder. The
ONNX export and peft's adapter merge import torch; the CTranslate2 conversion needs only numpy
(``ct2_convert.py``, a plain LoRA adapter merged by ``lora_merge.py``), so it runs in the
install without torch.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

#: Files that make a model folder loadable besides the weights (tokenizer and generation defaults).
_SIDE_FILES = ("tokenizer.json", "spiece.model", "tokenizer_config.json", "special_tokens_map.json",
               "generation_config.json", "added_tokens.json")


def check_adapter(adapter_dir: str | Path) -> None:
    """A LoRA adapter folder as peft saves it, with safetensors weights (never a pickle to unpickle)."""
    from desktop.core.errors import InvalidModel

    folder = Path(adapter_dir)
    if not (folder / "adapter_config.json").is_file():
        raise InvalidModel(f"The folder {folder.name} is not a LoRA adapter (it has no adapter_config.json).")
    if not (folder / "adapter_model.safetensors").is_file():
        raise InvalidModel(f"The adapter in {folder.name} has no adapter_model.safetensors; "
                           "only safetensors weights are loaded.")


def merge_adapter(base_dir: str, adapter_dir: str, out_dir: str) -> None:
    """Base weights + a peft LoRA adapter merged into plain weights, saved as a model folder."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForSeq2SeqLM

    base = AutoModelForSeq2SeqLM.from_pretrained(
        base_dir, dtype=torch.float32, use_safetensors=True, local_files_only=True, trust_remote_code=False
    )
    merged = PeftModel.from_pretrained(base, adapter_dir, is_trainable=False).merge_and_unload()
    out = Path(out_dir)
    merged.save_pretrained(out, safe_serialization=True)
    for name in _SIDE_FILES:
        src = Path(base_dir) / name
        if src.is_file() and not (out / name).exists():
            shutil.copy2(src, out / name)


def _merged_or_base(model_dir: str, adapter_dir: str | None, scratch: Path) -> str:
    if not adapter_dir:
        return model_dir
    merged = scratch / "merged"
    merge_adapter(model_dir, adapter_dir, str(merged))
    return str(merged)


def export_onnx(model_dir: str, adapter_dir: str | None, out_dir: str, opset: int) -> None:
    """Export encoder, decoder and decoder-with-past ONNX files (float32) into ``out_dir``."""
    from optimum.exporters.onnx import main_export

    with tempfile.TemporaryDirectory(prefix="precis-merge-") as scratch:
        src = _merged_or_base(model_dir, adapter_dir, Path(scratch))
        with warnings.catch_warnings():
            # The tracer's warnings about Python booleans are expected for T5 and harmless.
            warnings.simplefilter("ignore")
            main_export(
                src,
                output=out_dir,
                task="text2text-generation-with-past",
                opset=opset,
                device="cpu",
                # No merged decoder: the int8 quantizer handles plain graphs, and the merged file
                # would be a fourth copy of the decoder weights on disk.
                no_post_process=True,
                # Validation runs both models on dummy inputs: slow and memory-hungry at base
                # size; the test suite checks that ONNX and torch outputs agree instead.
                do_validation=False,
                local_files_only=True,
                trust_remote_code=False,
                library_name="transformers",
            )


def quantize_onnx(fp32_dir: str, out_dir: str, files: list[str], config_name: str) -> None:
    """Dynamic int8 quantization (weights int8, activations quantized at run time) of each file."""
    from optimum.onnxruntime import ORTQuantizer
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    out = Path(out_dir)
    for name in files:
        quantizer = ORTQuantizer.from_pretrained(fp32_dir, file_name=name)
        qconfig = getattr(AutoQuantizationConfig, config_name)(is_static=False, per_channel=True)
        quantizer.quantize(quantization_config=qconfig, save_dir=out, file_suffix="quantized")
    for name in ("config.json", "generation_config.json"):
        src = Path(fp32_dir) / name
        if src.is_file():
            shutil.copy2(src, out / name)


def export_onnx_int8(model_dir: str, adapter_dir: str | None, out_dir: str, opset: int,
                     files: list[str], config_name: str, fp32_dir: str | None) -> None:
    """Quantize an existing float32 export, or export to a scratch folder first."""
    if fp32_dir:
        quantize_onnx(fp32_dir, out_dir, files, config_name)
        return
    with tempfile.TemporaryDirectory(prefix="precis-onnx-") as scratch:
        export_onnx(model_dir, adapter_dir, scratch, opset)
        quantize_onnx(scratch, out_dir, files, config_name)


def convert_ct2(model_dir: str, adapter_dir: str | None, out_dir: str, quantization: str) -> None:
    """CTranslate2 conversion of a T5 folder (weights quantized on the way) with numpy, a plain
    LoRA adapter merged on the way; other adapters are merged with peft (torch) first."""
    from desktop.ml.backends.ct2_convert import convert_t5
    from desktop.ml.backends.lora_merge import unsupported

    if adapter_dir is None or unsupported(adapter_dir) is None:
        convert_t5(model_dir, out_dir, quantization, adapter_dir)
        return
    with tempfile.TemporaryDirectory(prefix="precis-merge-") as scratch:
        convert_t5(_merged_or_base(model_dir, adapter_dir, Path(scratch)), out_dir, quantization)
