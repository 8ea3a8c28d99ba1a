"""A FLAN-T5 already in the Hugging Face cache: listed as found, summarized with no download and
no request at all, by a process that loads neither torch nor transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from desktop.ml.models.catalog import Catalog
from desktop.ml.models.random_model import place_in_hf_cache
from tests.fake_hub import FakeHub

REPO = Path(__file__).resolve().parents[2]
BASE = Catalog.load().get("flan-t5-base")
assert BASE is not None
SAMPLE = REPO / "resources" / "samples" / "product-sync-meeting.vtt"
#: Runs precis-cli in this process and then says which heavy libraries it loaded.
_CLI = ("import json, sys\nfrom desktop.cli import main\nrc = main(sys.argv[1:])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers', 'huggingface_hub'})\n"
        "print('HEAVY=' + json.dumps(heavy), file=sys.stderr)\nsys.exit(rc)\n")


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str, list[str]]:
    done = subprocess.run([sys.executable, "-c", _CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    heavy = next(json.loads(ln[6:]) for ln in done.stderr.splitlines() if ln.startswith("HEAVY="))
    return done.returncode, done.stdout, done.stderr, heavy


def test_a_cached_flan_t5_is_used_with_no_request(tiny_model_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "hf-cache"
    snapshot = place_in_hf_cache(tiny_model_dir, cache, BASE.hub_id, BASE.revision)
    with FakeHub() as hub:  # a Hub that would answer: any request would succeed, and be seen
        hub.add_folder(BASE.hub_id, BASE.revision, tiny_model_dir)
        env = {**os.environ, "PRECIS_HOME": str(tmp_path / "home"), "HF_HUB_CACHE": str(cache),
               "HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "0", "PYTHONPATH": str(REPO)}

        rc, out, err, heavy = _cli(["models", "list"], env, tmp_path)
        assert rc == 0, err
        assert "Found on this computer" in out and f"{BASE.hub_id}@{BASE.revision[:12]}" in out
        assert f"Models download from the mirror {hub.url} (HF_ENDPOINT)." in out
        assert "No Hugging Face token is set" in out
        rc, out, err, _ = _cli(["models", "list", "--json"], env, tmp_path)
        listing = json.loads(out)
        [found] = listing["found"]
        assert (found["name"], found["path"]) == ("flan-t5-base", str(snapshot))
        assert next(m for m in listing["catalog"] if m["name"] == "flan-t5-base")["found"] == str(snapshot)

        rc, _, err, _ = _cli(["models", "download", "flan-t5-base"], env, tmp_path)
        assert rc == 0 and "already on this computer" in err and "nothing is downloaded" in err

        digest_file = tmp_path / "digest.json"
        rc, _, err, heavy = _cli(["summarize", str(SAMPLE), "--backend", "ctranslate2", "--length", "short",
                                  "--format", "json", "--no-progress", "--out", str(digest_file)], env, tmp_path)
        assert rc == 0, err
        assert hub.requests == []  # not one request: no file list, no HEAD, no download
    digest = json.loads(digest_file.read_text(encoding="utf-8"))
    assert digest["documents"][0]["summary"] and digest["stats"]["backend"] == "ctranslate2"
    assert not any("extractive engine" in w for w in digest.get("warnings", []))
    assert heavy == []  # summarizing loaded neither torch nor transformers (nor huggingface_hub)
    store = tmp_path / "home"
    assert not list(store.rglob("model.safetensors"))  # used in place: no copy anywhere in Precis's data
    assert list(store.rglob("model.bin"))  # converted once, into the derived CTranslate2 folder
