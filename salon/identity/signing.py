"""HMAC identity signatures: how a store proves a visitor is one of its customers."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEX_LENGTH = 64


def sign_customer_id(site_secret: str, customer_id: str) -> str:
    """The signature a store's server puts in the page so the widget can identify the visitor."""
    return hmac.new(site_secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def verify_customer_signature(site_secret: str, customer_id: str, signature: str) -> bool:
    """Constant-time check; a wrong length or non-hex signature never verifies."""
    if len(signature) != SIGNATURE_HEX_LENGTH:
        return False
    expected = sign_customer_id(site_secret, customer_id)
    return hmac.compare_digest(expected, signature.lower())
