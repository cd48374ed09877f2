"""Identifiers and tokens: random, at least 128 bits, from `secrets`."""

from __future__ import annotations

import secrets

# The largest integers an INTEGER and a BIGINT column hold. Cursors and sequence numbers a client
# sends are bounded by their column's, so a larger one is a 422, never an overflow in the driver.
SQL_INT_MAX = 2**31 - 1
SQL_BIGINT_MAX = 2**63 - 1


def new_id() -> str:
    """A server-assigned public id (128 bits, hex)."""
    return secrets.token_hex(16)


def new_token() -> str:
    """A secret bearer token (256 bits, url-safe)."""
    return secrets.token_urlsafe(32)


def new_site_key() -> str:
    return "pk_" + secrets.token_hex(12)


def new_site_secret() -> str:
    return "sk_" + secrets.token_urlsafe(32)
