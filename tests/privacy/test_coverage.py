"""Erasure and export must reach every table that can hold a shopper's data. This fails when a
new model gets a customer, visitor, visit or conversation link and the privacy service does not
say what happens to it (salon/privacy/service.py COVERAGE, docs/privacy.md)."""

from __future__ import annotations

from salon.db.base import Base, import_all_models
from salon.privacy.service import COVERAGE
from tests.privacy.support import linked_columns


def test_every_linked_table_is_covered_by_export_and_erasure() -> None:
    linked = linked_columns()
    assert {"customers", "visits", "events", "messages"} <= set(COVERAGE)
    missing = sorted(set(linked) - set(COVERAGE) - {"customers"})
    assert not missing, (
        f"tables linked to a customer/visitor/visit/conversation that GDPR export and erasure "
        f"do not cover: {missing}; add them to salon/privacy/service.py and docs/privacy.md"
    )


def test_coverage_names_only_existing_tables() -> None:
    import_all_models()
    assert not sorted(set(COVERAGE) - set(Base.metadata.tables))
