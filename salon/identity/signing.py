"""HMAC-SHA256, the one implementation: identity signatures (how a store proves a visitor is one
of its customers), signed webhooks in and out, and the playbooks' hold-out draw."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEX_LENGTH = 64


def hmac_sha256(secret: str, message: str | bytes) -> bytes:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def hmac_sha256_hex(secret: str, message: str | bytes) -> str:
    return hmac_sha256(secret, message).hex()


def sign_customer_id(site_secret: str, customer_id: str) -> str:
    """The signature a store's server puts in the page so the widget can identify the visitor."""
    return hmac_sha256_hex(site_secret, customer_id)


def verify_customer_signature(site_secret: str, customer_id: str, signature: str) -> bool:
    """Constant-time check; a wrong length or non-hex signature never verifies."""
    if len(signature) != SIGNATURE_HEX_LENGTH:
        return False
    expected = sign_customer_id(site_secret, customer_id)
    return hmac.compare_digest(expected, signature.lower())
