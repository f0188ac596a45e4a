"""The words pages show for values stored in the database (states, kinds, categories).

The stored value stays English and never changes; what a page shows is looked up here and
then in the visitor's catalog (the templates' ``label`` filter), so a translation never
reaches the database and a value without an entry shows as stored.
"""

from __future__ import annotations

from typing import Final

from warren.i18n import N_

LABELS: Final = {
    # Data-subject requests: kinds and states.
    "access": N_("access"),
    "correction": N_("correction"),
    "erasure": N_("erasure"),
    "restriction": N_("restriction"),
    "objection": N_("objection"),
    "portability": N_("portability"),
    "other": N_("other"),
    "received": N_("received"),
    "verifying": N_("verifying"),
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "refused": N_("refused"),
    # Orders (and jobs, whose "pending" and "failed" read the same).
    "created": N_("created"),
    "pending": N_("pending"),
    "paid": N_("paid"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "refunded": N_("refunded"),
    "running": N_("running"),
    "done": N_("done"),
    # What the library holds and uploads are.
    "song": N_("song"),
    "image": N_("image"),
    "poem": N_("poem"),
    "text": N_("text"),
    "video": N_("video"),
    "audio": N_("audio"),
    # Consent categories.
    "marketing": N_("marketing"),
    "analytics": N_("analytics"),
}
