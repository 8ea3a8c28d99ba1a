"""precis-cli finetune --versions ADAPTER / --use-version ADAPTER N: an adapter's versions, each
with its evaluation card, and switching back to any of them."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.cli.exits import USAGE, fail
from desktop.ml.finetune.card import EvaluationCard
from desktop.ml.models.adapter_versions import list_versions, switch_version
from desktop.ml.models.store import ModelStore


def run_versions(args: argparse.Namespace, store: ModelStore) -> int:
    if args.use_version:
        name, number = args.use_version
        if not number.isdigit():
            return fail(f"the version must be a number, not {number!r}.", USAGE)
        store.adapter_dir(name)  # a name that cannot be an adapter's is refused in one sentence
        switch_version(store.root / "adapters", name, int(number))
        print(f"The adapter {name} now uses version {number}.")
        return 0
    name = args.versions
    versions = list_versions(store.root / "adapters", store.adapter_dir(name).name)
    if not versions:
        return fail(f"there is no fine-tuned adapter called {name}.")
    if args.json:
        rows = [{"version": v.version, "active": v.active, "created_at": v.manifest.created_at,
                 "parent_version": v.manifest.parent_version, "tasks": v.manifest.tasks, "card": v.manifest.card}
                for v in versions]
        json.dump({"adapter": name, "versions": rows}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for v in versions:
        mark = " (in use)" if v.active else ""
        parent = f", continued from version {v.manifest.parent_version}" if v.manifest.parent_version else ""
        print(f"Version {v.version}{mark}: made {v.manifest.created_at}{parent}")
        if v.manifest.card:
            print("  " + EvaluationCard.from_dict(v.manifest.card).table().replace("\n", "\n  "))
        print()
    return 0
