"""Two of the README's screenshots, called by ``make_screenshots.py``: the model manager with a
model found in the Hugging Face cache and the Hub settings it honours (issue 28), and a long
document's digest with its sections, one opened in the source view beside the dimmed table of
contents (issue 29)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def model_manager_shot(app, window, save, settle) -> None:  # type: ignore[no-untyped-def]
    """3. The model manager: the catalog with sizes, flan-t5-base found in the Hugging Face cache
    (no download needed), a T5 of another program's found beside it, and the Hub settings. The
    found models are tiny random-weight T5s (built here, no download) laid out in a throw-away
    cache exactly as huggingface_hub lays out a download; a token is set to show that the
    manager says so without showing it."""
    from desktop.ml.models.random_model import build_random_t5, default_training_texts, place_in_hf_cache

    home = Path(os.environ["PRECIS_HOME"])
    cache = home / "huggingface" / "hub"
    model = build_random_t5(home / "random-t5", "tiny", texts=default_training_texts(), vocab_size=2000)
    place_in_hf_cache(model, cache, "google/flan-t5-base", "7bcac572ce56db69c1ea7c8af255c5d7c9672fc2")
    place_in_hf_cache(model, cache, "my-lab/t5-minutes-small", "3f5e1a7c9b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f")
    saved = {name: os.environ.get(name) for name in ("HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE")}
    os.environ.update(HF_HUB_CACHE=str(cache), HF_TOKEN="hf_screenshot_placeholder_not_shown")
    os.environ.pop("HF_HUB_OFFLINE", None)
    try:
        window.open_model_manager()
        dialog = window.model_manager
        assert dialog is not None
        dialog.resize(980, 600)
        dialog.refresh()
        dialog.select("catalog", "flan-t5-base")
        settle(app, 0.8)
        save(dialog, "model-manager.png")
        dialog.close()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(cache, ignore_errors=True)  # the rest of the shots run without these models


def sections_shot(app, window, save, wait, settle) -> None:  # type: ignore[no-untyped-def]
    """8. A long document's sections: the corpus's 65-page plan (a PDF with a 44-entry outline)
    summarized by the extractive engine, its Sections in the digest, the second one clicked: the
    source view opens at its first page, below the table of contents, dimmed and tagged."""
    corpus = Path(os.environ.get("PRECIS_CORPUS", REPO.parent / "shared" / "corpus"))
    plan = corpus / "pdf" / "chelsea_pdta.pdf"
    if not plan.is_file():
        print(f"skipped the sections screenshot: no corpus at {corpus} (set PRECIS_CORPUS)")
        return
    window.model_picker.select("extractive")
    window.tree.set_root(plan.parent)
    window.tree.select_paths([plan])
    window.resize(1400, 860)
    job = window.summarize([str(plan)]) or ""
    wait(app, lambda: _ended(window, job), timeout=300)
    window.show_job(job)
    window.follow(job)
    wait(app, lambda: window.digest_view.digest is not None and not window.source_view.loading)
    view = window.digest_view
    browser = view.browser
    block = browser.document().begin()
    while block.isValid() and block.text() != "Sections":
        block = block.next()
    top = browser.document().documentLayout().blockBoundingRect(block).top()
    window.banner.hide()  # "No FLAN-T5 model is installed": true here, but not what this shot shows
    view.activate_link("section:0")
    settle(app, 0.3)
    browser.verticalScrollBar().setValue(int(top))
    # The source from the table of contents (dimmed, tagged) down to the section's start (marked).
    text = window.source_view.text
    document = text.current_document
    contents = text.document().findBlockByNumber(next(i for i, b in enumerate(document.blocks) if b.furniture))
    text.verticalScrollBar().setValue(int(text.document().documentLayout().blockBoundingRect(contents).top()) - 40)
    settle(app, 0.6)
    save(window, "sections.png")


def _ended(window, job_id: str) -> bool:  # type: ignore[no-untyped-def]
    job = window.queue.job(job_id)
    return job is not None and job.ended
