"""What intake tells the apps above it, without importing them (they connect receivers in `ready`).

    report_received(report, urls)
        sent inside the transaction that writes a new report, once its rows are in (its links as `urls`,
        the clear text of its ReportURL rows): case work links it to duplicates there. The report itself
        is bulk-inserted, so Django's post_save does not fire for it.
    evidence_analysed(evidence, image_hashes, hash_matches)
        sent inside the analysis transaction once one piece of evidence is analysed: `image_hashes` is a
        list of (PDQ hex, quality) for every image hashed, `hash_matches` the hash-list matches (dicts).
        A receiver that raises rolls back its own work only: the analysis is kept.
"""

from __future__ import annotations

from django.dispatch import Signal

report_received = Signal()
evidence_analysed = Signal()
