"""Events the privacy domain publishes on the bus (after commit)."""

from __future__ import annotations

# {"site_id", "customer_id", "visit_ids": [...]}: every node drops those visits from its floor
TOPIC_PRIVACY_ERASED = "privacy.erased"
