"""Bulk import of the store's tables from CSV and JSON: validated, idempotent, all or nothing."""
