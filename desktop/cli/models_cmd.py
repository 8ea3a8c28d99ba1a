"""precis-cli models: list, download, import and remove local models."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop.cli.exits import USAGE, fail
from desktop.core.events import Event, Progress
from desktop.ml.models.catalog import Catalog
from desktop.ml.models.hub_env import hub_environment
from desktop.ml.models.manifest import human_bytes
from desktop.ml.models.store import ModelStore


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, download, import and remove local models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    p.set_defaults(func=lambda args: _usage(p))

    ls = msub.add_parser("list", help="the catalog, installed models, models found in the Hugging Face cache, "
                                      "fine-tuned adapters and the Hugging Face settings in use")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=run_list)

    dl = msub.add_parser("download", help="download a catalog model from the Hugging Face Hub (resumable)")
    dl.add_argument("name", metavar="NAME")
    dl.add_argument("--endpoint", metavar="URL", help="Hub address (default: $HF_ENDPOINT or https://huggingface.co)")
    dl.set_defaults(func=run_download)

    im = msub.add_parser("import", help="copy a local model folder into the store: FLAN-T5 (safetensors) or Whisper "
                                        "converted for CTranslate2 (faster-whisper's model.bin)")
    im.add_argument("folder", metavar="DIR")
    im.add_argument("--name", help="name to install it under (default: the folder's name)")
    im.add_argument("--replace", action="store_true", help="replace an installed model of the same name")
    im.set_defaults(func=run_import)

    rm = msub.add_parser("remove", help="delete an installed model (with its cached exports) or an adapter")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=run_remove)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return USAGE


def run_list(args: argparse.Namespace) -> int:
    catalog = Catalog.load()
    data = _list_data(catalog, ModelStore(catalog=catalog))
    if args.json:
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    out.write(f"Model store: {data['store']}\n")
    for line in hub_environment().lines():
        out.write(f"{line}\n")
    out.write("\n")
    for kind, title in (("summarizer", "Summarizers (FLAN-T5)"), ("transcriber", "Transcribers for recordings (Whisper)")):
        out.write(f"{title}:\n")
        for m in (m for m in data["catalog"] if m["kind"] == kind):
            mark = ("installed" if m["installed"] else "found" if m["found"]
                    else f"partial {human_bytes(m['partial_bytes'])}" if m["partial_bytes"] else "-")
            default = " (default)" if m["default"] else ""
            out.write(f"  {m['name'] + default:<26} {mark:<18} {human_bytes(m['download_bytes']):>9}  "
                      f"{_params(m['parameters']):>6} params  {m['license']:<10} {m['description']}\n")
        out.write("\n")
    if data["imported"]:
        out.write("Imported models:\n")
        for m in data["imported"]:
            out.write(f"  {m['name']:<26} {human_bytes(m['size_bytes']):>9}  {m['kind']:<12} {m['revision']}\n")
    if data["found"]:
        out.write("\nFound on this computer (Hugging Face cache, used where they are):\n")
        for f in data["found"]:
            out.write(f"  {f['name']:<26} {human_bytes(f['size_bytes']):>9}  {f['hub_id']}@{f['revision'][:12]}  "
                      f"{f['path']}\n")
    if data["adapters"]:
        out.write("\nFine-tuned adapters:\n")
        for a in data["adapters"]:
            out.write(f"  {a['name']:<26} on {a['base_model']}  {human_bytes(a['size_bytes'])}  {a['created_at']}\n")
    return 0


def _params(n: int) -> str:
    return f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


def _list_data(catalog: Catalog, store: ModelStore) -> dict[str, Any]:
    installed = {m.name: m for m in store.installed()}
    found = store.found_models()
    found_by_name = {f.name: f for f in found}
    rows = []
    for e in catalog:
        m = installed.get(e.name)
        cached = found_by_name.get(e.name)
        rows.append({
            "name": e.name, "hub_id": e.hub_id, "revision": e.revision, "parameters": e.parameters,
            "download_bytes": e.download_bytes, "license": e.license, "description": e.description, "kind": e.kind,
            "default": e.name in (catalog.default_name, catalog.default_transcriber), "installed": m is not None,
            "installed_revision": m.revision if m else None,
            "partial_bytes": 0 if m else store.partial_bytes(e.name),
            "path": str(m.path) if m else None,
            "found": str(cached.path) if cached else None,
        })
    imported = [
        {"name": m.name, "path": str(m.path), "revision": m.revision, "size_bytes": m.size_bytes, "source": m.source,
         "kind": m.kind}
        for m in installed.values() if m.name not in catalog
    ]
    adapters = [
        {"name": a.name, "path": str(a.path), "base_model": a.base_model, "base_revision": a.base_revision,
         "created_at": a.created_at, "size_bytes": a.size_bytes, "metrics": a.metrics}
        for a in store.list_adapters()
    ]
    found_rows = [
        {"name": f.name, "hub_id": f.hub_id, "revision": f.revision, "path": str(f.path), "size_bytes": f.size_bytes,
         "parameters": f.parameters, "refs": list(f.refs), "catalog_name": f.catalog_name}
        for f in found
    ]
    return {"store": str(store.root), "hub": hub_environment().as_dict(), "catalog": rows, "imported": imported,
            "found": found_rows, "adapters": adapters}


def run_download(args: argparse.Namespace) -> int:
    from desktop.ml.models.download import download

    catalog = Catalog.load()
    entry = catalog.get(args.name)
    if entry is None:
        return fail(f"{args.name} is not in the catalog; choose one of: {', '.join(catalog.names())}.", USAGE)
    store = ModelStore(catalog=catalog)
    if store.is_installed(entry.name):
        print(f"{entry.name} is already installed.", file=sys.stderr)
        return 0
    found = store.find_cached(entry.name)
    if found is not None:
        print(f"{entry.name} is already on this computer ({found.hub_id}@{found.revision[:12]} in the Hugging Face "
              f"cache, {found.path}); Precis uses it there, so nothing is downloaded.", file=sys.stderr)
        return 0
    bar = _ProgressBar()
    try:
        model = download(entry, store, on_progress=bar, endpoint=args.endpoint)
    finally:
        bar.close()  # also on Ctrl-C, so "Cancelled." starts on a fresh line
    print(f"Installed {model.name} ({human_bytes(model.size_bytes)}) in {model.path}", file=sys.stderr)
    return 0


class _ProgressBar:
    """Draws Progress events as a tqdm bar in bytes on stderr (tqdm computes rate and ETA)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, Progress):
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=event.total, initial=event.done, desc=event.stage, unit="B",
                             unit_scale=True, unit_divisor=1000, file=sys.stderr, dynamic_ncols=True)
        self._bar.total = event.total
        self._bar.set_description_str(event.stage, refresh=False)
        self._bar.update(event.done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def run_import(args: argparse.Namespace) -> int:
    model = ModelStore().import_folder(args.folder, args.name, replace=args.replace)
    print(f"Imported {model.name} ({human_bytes(model.size_bytes)}) into {model.path}", file=sys.stderr)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    store = ModelStore()
    adapter = any(a.name == args.name for a in store.list_adapters())
    if adapter and not store.is_installed(args.name) and not store.partial_bytes(args.name):
        store.delete_adapter(args.name)
    else:
        store.remove(args.name)  # raises ModelNotFound listing what is installed
    print(f"Removed {args.name}.", file=sys.stderr)
    return 0
