"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" under the endpoint's secret.

Signing the timestamp with the body lets a receiver refuse a replayed request (an old timestamp)
as well as a forged one. The HMAC itself is the one Salon already uses for identity
(`salon.identity.signing`), so there is a single implementation to audit.
"""

from __future__ import annotations

import hmac
import time

from salon.identity.signing import SIGNATURE_HEX_LENGTH, hmac_sha256_hex

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Salon-Signature header value for one attempt: `v1=<hex>`."""
    return f"{SCHEME}={hmac_sha256_hex(secret, _message(timestamp, body))}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent.

    `header` may carry several comma-separated `v1=` values (while a secret is being rotated);
    one match is enough. Comparison is constant-time; anything malformed is simply False.
    """
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_seconds:
        return False
    raw = body.encode() if isinstance(body, str) else body
    try:
        expected = hmac_sha256_hex(secret, _message(stamp, raw))
    except UnicodeDecodeError:
        return False
    found = False
    for part in header.split(","):
        scheme, _, given = part.strip().partition("=")
        if scheme != SCHEME or len(given) != SIGNATURE_HEX_LENGTH or not _is_hex(given):
            continue
        # no early exit: every candidate is compared, in constant time each
        found |= hmac.compare_digest(expected, given.lower())
    return found


def _message(timestamp: int, body: bytes) -> str:
    # strict UTF-8 (Salon sends JSON): re-encoding gives back exactly the bytes on the wire
    return f"{timestamp}.{body.decode('utf-8')}"


def _is_hex(value: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in value)
