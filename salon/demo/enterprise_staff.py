"""The demo store's associates: the demo logins' profiles, and two experts per boutique."""

from __future__ import annotations

from typing import Any


def _associate(
    email: str,
    name: str,
    role: str,
    title: str,
    skills: tuple[str, ...],
    languages: tuple[str, ...],
    home: str | None,
    commission: str,
) -> dict[str, Any]:
    return {
        "email": email,
        "name": name,
        "role": role,
        "title": title,
        "skills": list(skills),
        "languages": list(languages),
        "home_location_id": home,
        "commission_id": commission,
    }


_M = "@maison-aurel.example"
ASSOCIATES: tuple[dict[str, Any], ...] = (
    # the demo logins (seed.DEMO_ACCOUNTS): same e-mails, names and roles
    _associate(
        f"nick{_M}",
        "Nick Laurent",
        "associate",
        "Client adviser",
        ("leather", "fit"),
        ("en", "fr"),
        "paris-sh",
        "COM-1001",
    ),
    _associate(
        f"amara{_M}",
        "Amara Okafor",
        "associate",
        "Senior client adviser",
        ("jewellery", "gifts"),
        ("en", "fr"),
        "london",
        "COM-1002",
    ),
    _associate(
        f"sofia{_M}",
        "Sofia Marin",
        "supervisor",
        "Boutique manager",
        ("watches", "leather"),
        ("en", "it", "es"),
        "milan",
        "COM-1003",
    ),
    _associate(
        f"admin{_M}", "Store Admin", "admin", "E-commerce director", (), ("en",), None, "COM-1000"
    ),
    # experts, two per boutique, so appointments have slots everywhere
    _associate(
        f"claire.fontaine{_M}",
        "Claire Fontaine",
        "associate",
        "Leather expert",
        ("leather", "handbags"),
        ("fr", "en"),
        "paris-sh",
        "COM-2001",
    ),
    _associate(
        f"henri.blanc{_M}",
        "Henri Blanc",
        "associate",
        "Watchmaker",
        ("watches",),
        ("fr", "en", "de"),
        "paris-sh",
        "COM-2002",
    ),
    _associate(
        f"margot.petit{_M}",
        "Margot Petit",
        "associate",
        "Fitting specialist",
        ("fit", "outerwear"),
        ("fr", "en"),
        "paris-rg",
        "COM-2003",
    ),
    _associate(
        f"yasmine.benali{_M}",
        "Yasmine Benali",
        "associate",
        "Fine jewellery expert",
        ("jewellery", "gifts"),
        ("fr", "ar", "en"),
        "paris-rg",
        "COM-2004",
    ),
    _associate(
        f"oliver.grant{_M}",
        "Oliver Grant",
        "associate",
        "Shoe specialist",
        ("shoes", "fit"),
        ("en",),
        "london",
        "COM-2005",
    ),
    _associate(
        f"priya.nair{_M}",
        "Priya Nair",
        "associate",
        "Watch specialist",
        ("watches",),
        ("en", "hi"),
        "london",
        "COM-2006",
    ),
    _associate(
        f"luca.romano{_M}",
        "Luca Romano",
        "associate",
        "Master cobbler",
        ("shoes", "leather"),
        ("it", "en"),
        "milan",
        "COM-2007",
    ),
    _associate(
        f"giada.ferri{_M}",
        "Giada Ferri",
        "associate",
        "Personal stylist",
        ("fit", "outerwear"),
        ("it", "en", "fr"),
        "milan",
        "COM-2008",
    ),
    _associate(
        f"daniel.kim{_M}",
        "Daniel Kim",
        "associate",
        "Watch specialist",
        ("watches", "gifts"),
        ("en", "ko"),
        "new-york",
        "COM-2009",
    ),
    _associate(
        f"rosa.alvarez{_M}",
        "Rosa Alvarez",
        "associate",
        "Leather expert",
        ("leather", "handbags"),
        ("en", "es"),
        "new-york",
        "COM-2010",
    ),
)
