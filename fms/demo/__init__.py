"""The demo's own small foundation model: pretrained by sfmbench in seconds on generated series.

``demo-fm`` is a real (if tiny) time-series FM: a patch transformer pretrained with a
self-supervised masked-patch objective on a generated corpus (:mod:`.corpus`), saved to and
loaded from a folder (:mod:`.network`), then fine-tuned through the
:class:`~sfmbench.fms.base.FoundationModel` contract (:mod:`.model`). It exists so that the
offline demo shows the FM-vs-baseline comparison without downloading a checkpoint; the page
labels it as such. It is not a published model.
"""
from __future__ import annotations

#: registry name -> class (imported on first use)
ENTRIES: dict[str, str] = {"demo-fm": "sfmbench.fms.demo.model:DemoFM"}
