"""The one call every model makes once all of it has arrived: a download or an import, installed.

``ModelStore.install`` calls ``model_arrived`` after the files, the manifest and the completion
marker are in place, so whatever must happen once per new model (a self-check, a notice) goes
here and sees only complete, validated models.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.ml.models.store import InstalledModel

log = logging.getLogger(__name__)


def model_arrived(model: InstalledModel) -> None:
    log.info("model %s arrived: %s from %s, %d bytes, in %s", model.name, model.revision[:16], model.source,
             model.size_bytes, model.path)
