"""The demo store's promotions and coupons: one of each kind an associate will meet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

Rows = list[dict[str, Any]]


def offers(anchor: datetime) -> tuple[Rows, Rows]:
    """Free shipping, a tier discount, a category offer, an expired one; coupons of every source."""
    year = timedelta(days=365)
    promotions: Rows = [
        {
            "external_id": "PR-SHIP500",
            "name": "Free express shipping over €500",
            "kind": "free_shipping",
            "min_cart_total": "500.00",
        },
        {
            "external_id": "PR-GOLD10",
            "name": "10% for Gold and Platinum members",
            "kind": "percent",
            "value": "10.00",
            "loyalty_tiers": ["gold", "platinum"],
        },
        {
            "external_id": "PR-SHOES15",
            "name": "15% off shoes this month",
            "kind": "percent",
            "value": "15.00",
            "categories": ["shoes"],
            "starts_at": anchor - timedelta(days=5),
            "ends_at": anchor + timedelta(days=25),
        },
        {
            "external_id": "PR-JEWEL200",
            "name": "€200 off fine jewellery over €2,000",
            "kind": "amount",
            "value": "200.00",
            "min_cart_total": "2000.00",
            "categories": ["jewellery"],
        },
        {
            "external_id": "PR-SUMMER",
            "name": "Summer sale (ended)",
            "kind": "percent",
            "value": "20.00",
            "starts_at": anchor - timedelta(days=160),
            "ends_at": anchor - timedelta(days=100),
        },
    ]
    coupons: Rows = [
        {
            "code": "WELCOME10",
            "description": "10% off a first order",
            "kind": "percent",
            "value": "10.00",
            "expires_at": anchor + year,
        },
        {
            "code": "BOUTIQUE50",
            "description": "€50 off in any boutique",
            "kind": "amount",
            "value": "50.00",
            "min_cart_total": "400.00",
        },
        {
            "code": "AMEX-AUREL",
            "source": "third_party",
            "partner": "Amex Platinum",
            "description": "Card members: 8% off",
            "kind": "percent",
            "value": "8.00",
        },
        {
            "code": "VOGUE-READERS",
            "source": "third_party",
            "partner": "Vogue",
            "description": "Readers' offer: free express shipping",
            "kind": "free_shipping",
            "expires_at": anchor + timedelta(days=60),
        },
        {
            "code": "MILES-1500",
            "source": "third_party",
            "partner": "Air France Flying Blue",
            "description": "€150 off over €1,500",
            "kind": "amount",
            "value": "150.00",
            "min_cart_total": "1500.00",
        },
        {
            "code": "NOEL2025",
            "description": "Last winter's offer (expired)",
            "kind": "percent",
            "value": "15.00",
            "expires_at": anchor - timedelta(days=200),
        },
        {
            "code": "LAUNCH100",
            "description": "Launch offer, first 100 shoppers (used up)",
            "kind": "amount",
            "value": "100.00",
            "max_redemptions": 100,
        },
    ]
    for n, customer_id in enumerate(("C1001", "C1002", "C1005", "C1017", "C1033", "C1050")):
        coupons.append(
            {
                "code": f"VIP-{customer_id}",
                "description": "A personal thank-you: 12% off",
                "kind": "percent",
                "value": "12.00",
                "customer_id": customer_id,
                "expires_at": anchor + timedelta(days=30 + 15 * n),
            }
        )
    return promotions, coupons
