"""Signatures a store's receiver can check: HMAC-SHA256 over "<timestamp>.<body>"."""

from __future__ import annotations

import hashlib
import hmac

from salon.webhooks.signing import sign, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":"d1","event":"coupon.issued","data":{"code":"\xc3\xa9t\xc3\xa9"}}'
STAMP = 1_790_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{STAMP}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, STAMP, BODY) == f"v1={expected}"


def test_a_fresh_signature_verifies_from_bytes_or_text() -> None:
    header = sign(SECRET, STAMP, BODY)
    assert verify_signature(SECRET, str(STAMP), BODY, header, now=STAMP + 10)
    assert verify_signature(
        SECRET, STAMP, BODY.decode(), header.upper().replace("V1", "v1"), now=STAMP
    )


def test_tampering_or_the_wrong_secret_fails() -> None:
    header = sign(SECRET, STAMP, BODY)
    assert not verify_signature(SECRET, STAMP, BODY.replace(b"d1", b"d2"), header, now=STAMP)
    assert not verify_signature(SECRET, STAMP + 1, BODY, header, now=STAMP)
    assert not verify_signature("whsec_other", STAMP, BODY, header, now=STAMP)


def test_stale_or_future_timestamps_fail() -> None:
    header = sign(SECRET, STAMP, BODY)
    assert verify_signature(SECRET, STAMP, BODY, header, now=STAMP + 300)
    assert not verify_signature(SECRET, STAMP, BODY, header, now=STAMP + 301)
    assert not verify_signature(SECRET, STAMP, BODY, header, now=STAMP - 301)
    assert verify_signature(SECRET, STAMP, BODY, header, tolerance_seconds=3600, now=STAMP + 3000)


def test_malformed_headers_and_timestamps_fail_without_raising() -> None:
    good = sign(SECRET, STAMP, BODY)
    for header in ("", "v1=", "v0=" + good[3:], good[3:], good + "00", "v1=" + "é" * 64, "v1"):
        assert not verify_signature(SECRET, STAMP, BODY, header, now=STAMP)
    for stamp in ("", "soon", "1.5e9"):
        assert not verify_signature(SECRET, stamp, BODY, good, now=STAMP)
    assert not verify_signature(SECRET, STAMP, b"\xff\xfe", good, now=STAMP)


def test_any_of_several_signatures_may_match_during_secret_rotation() -> None:
    header = sign("whsec_old", STAMP, BODY) + ", " + sign(SECRET, STAMP, BODY)
    assert verify_signature(SECRET, STAMP, BODY, header, now=STAMP)
    assert verify_signature("whsec_old", STAMP, BODY, header, now=STAMP)
    assert not verify_signature("whsec_third", STAMP, BODY, header, now=STAMP)
