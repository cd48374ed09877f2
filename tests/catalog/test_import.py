"""Bulk import through the HTTP API and `salon import`, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from salon.catalog.imports.schemas import LOAD_ORDER
from salon.catalog.models import Product, Variant
from salon.core.clock import as_utc
from salon.customers.models import Customer, Order, OrderLine
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.stores.models import Inventory, Location
from tests.support import LiveServer

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "import"
TYPES = {".csv": "text/csv", ".json": "application/json"}


def example(kind: str) -> Path:
    return next(EXAMPLES.glob(f"{kind}.*"))


def admin_of(server: LiveServer) -> tuple[SiteInfo, httpx.Client]:
    site = server.make_site()
    client, csrf = server.login(server.make_associate([site], role="admin"))
    client.headers["X-CSRF-Token"] = csrf
    return site, client


def post(
    client: httpx.Client, site: SiteInfo, kind: str, body: bytes, ctype: str, dry: bool = False
) -> httpx.Response:
    return client.post(
        f"/api/sites/{site.id}/imports/{kind}",
        params={"dry_run": str(dry).lower()},
        content=body,
        headers={"Content-Type": ctype},
    )


def post_example(client: httpx.Client, site: SiteInfo, kind: str) -> httpx.Response:
    path = example(kind)
    return post(client, site, kind, path.read_bytes(), TYPES[path.suffix])


def count(server: LiveServer, model: Any, site: SiteInfo) -> int:
    async def go(db: Database) -> int:
        async with db.reader() as session:
            return int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.site_id == site.id)
                )
                or 0
            )

    return int(server.run(go))


def test_example_files_import_in_order_and_again_unchanged(server: LiveServer) -> None:
    site, client = admin_of(server)
    for kind in LOAD_ORDER:
        answer = post_example(client, site, kind)
        assert answer.status_code == 200, (kind, answer.text)
        report = answer.json()
        assert report["created"] == report["rows"] > 0, report
        assert report["committed"] and report["errors"] == []
    for kind in LOAD_ORDER:
        report = post_example(client, site, kind).json()
        assert report["unchanged"] == report["rows"], report
        assert report["created"] == report["updated"] == 0


def test_what_was_imported_reads_back_identically(server: LiveServer) -> None:
    site, client = admin_of(server)
    for kind in ("locations", "products", "variants", "inventory", "customers", "orders"):
        assert post_example(client, site, kind).status_code == 200

    async def read(db: Database) -> dict[str, Any]:
        async with db.reader() as session:
            products = {
                p.external_id: p
                for p in await session.scalars(select(Product).where(Product.site_id == site.id))
            }
            customers = {
                c.external_id: c
                for c in await session.scalars(select(Customer).where(Customer.site_id == site.id))
            }
            orders = {
                o.external_id: o
                for o in await session.scalars(select(Order).where(Order.site_id == site.id))
            }
            lines = (
                await session.execute(
                    select(Order.external_id, OrderLine.product_external_id, OrderLine.name)
                    .join(Order, Order.id == OrderLine.order_id)
                    .where(Order.site_id == site.id)
                )
            ).all()
            stock = (
                await session.execute(
                    select(Variant.external_id, Location.external_id, Inventory.quantity)
                    .join(Variant, Variant.id == Inventory.variant_id)
                    .join(Location, Location.id == Inventory.location_id)
                    .where(Location.site_id == site.id)
                )
            ).all()
            locations = {
                loc.id: loc.external_id
                for loc in await session.scalars(
                    select(Location).where(Location.site_id == site.id)
                )
            }
            return {
                "products": products,
                "customers": customers,
                "orders": orders,
                "lines": sorted(tuple(r) for r in lines),
                "stock": sorted(tuple(r) for r in stock),
                "locations": locations,
            }

    got = server.run(read)
    for row in csv.DictReader(io.StringIO(example("products").read_text())):
        product = got["products"][row["external_id"]]
        assert product.name == row["name"] and product.price == Decimal(row["price"])
        assert product.images == [i for i in row["images"].split("|") if i]
        assert product.tags == row["tags"].split("|")
        assert product.training_notes == row["training_notes"]
    tote = got["products"]["P100"]
    assert tote.attributes == {"material": "calfskin", "colour_family": "black"}
    assert tote.commission_rate == Decimal("0.05")
    assert got["products"]["P200"].compare_at_price == Decimal("790.00")
    camille = got["customers"]["C1001"]
    assert (camille.name, camille.email, camille.loyalty_tier) == (
        "Camille Durand",
        "camille@example.com",
        "gold",
    )
    assert camille.preferences == {"sizes": {"shoes": "38"}, "colours": ["black", "tan"]}
    assert got["locations"][camille.home_location_id] == "PAR-01"
    first = got["orders"]["O-5001"]
    assert first.total == Decimal("2290.00")  # 1450 + 2 x 420
    assert as_utc(first.placed_at).isoformat() == "2026-09-14T13:20:00+00:00"
    assert first.customer_id == camille.id
    assert got["orders"]["O-5003"].customer_id is None  # a guest order
    assert ("O-5002", "P200", "Aurel mini bag") in got["lines"]  # the catalogue's name
    assert got["stock"] == sorted(
        [
            ("P100-BLK", "PAR-01", 2),
            ("P100-TAN", "LYO-01", 1),
            ("P300-42", "LYO-01", 3),
            ("P300-41", "WH-01", 12),
        ]
    )


BAD_PRODUCTS = (
    "external_id,name,category,price\n"
    "B1,Good bag,handbags,100\n"
    "B2,Bad price,handbags,-5\n"
    "B3,Another good one,shoes,80\n"
    "B4,,shoes,70\n"
)


def test_bad_rows_are_all_named_and_nothing_is_committed(server: LiveServer) -> None:
    site, client = admin_of(server)
    assert post_example(client, site, "products").status_code == 200
    before = count(server, Product, site)
    answer = post(client, site, "products", BAD_PRODUCTS.encode(), "text/csv")
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"]["code"] == "invalid_rows"
    errors = [(e["line"], e["column"]) for e in body["report"]["errors"]]
    assert errors == [(3, "price"), (5, "name")]
    assert "greater than or equal to 0" in body["report"]["errors"][0]["reason"]
    assert body["report"]["committed"] is False
    assert count(server, Product, site) == before

    unknown = post(
        client,
        site,
        "variants",
        b'[{"product_id": "P100", "external_id": "V1"},'
        b' {"product_id": "NOPE", "external_id": "V2"}]',
        "application/json",
    )
    assert unknown.status_code == 422
    assert unknown.json()["report"]["errors"] == [
        {"line": 2, "column": "product_id", "reason": "unknown product 'NOPE'"}
    ]


def test_dry_run_reports_what_would_change_and_commits_nothing(server: LiveServer) -> None:
    site, client = admin_of(server)
    path = example("products")
    answer = post(client, site, "products", path.read_bytes(), "text/csv", dry=True)
    assert answer.status_code == 200
    report = answer.json()
    assert report["dry_run"] and not report["committed"]
    assert report["created"] == 3
    assert count(server, Product, site) == 0


def test_an_update_changes_the_row(server: LiveServer) -> None:
    site, client = admin_of(server)
    assert post_example(client, site, "products").status_code == 200
    changed = example("products").read_text().replace("1450.00", "1490.00")
    report = post(client, site, "products", changed.encode(), "text/csv").json()
    assert (report["updated"], report["unchanged"]) == (1, 2)

    async def price(db: Database) -> Decimal | None:
        async with db.reader() as session:
            return await session.scalar(
                select(Product.price).where(
                    Product.site_id == site.id, Product.external_id == "P100"
                )
            )

    assert server.run(price) == Decimal("1490.00")


def test_who_may_import_and_what_they_may_send(server: LiveServer) -> None:
    site, admin = admin_of(server)
    body = example("products").read_bytes()
    for role in ("associate", "supervisor"):
        client, csrf = server.login(server.make_associate([site], role=role))
        client.headers["X-CSRF-Token"] = csrf
        answer = post(client, site, "products", body, "text/csv")
        if role == "associate":
            assert answer.status_code == 403, answer.text
        else:
            assert answer.status_code == 200, answer.text
            # a supervisor could promote themselves through an associates file
            assert post_example(client, site, "associates").status_code == 403
    no_csrf = httpx.Client(base_url=server.base_url, cookies=admin.cookies)
    assert post(no_csrf, site, "products", body, "text/csv").status_code == 403
    assert post(admin, site, "products", body, "text/plain").status_code == 415
    missing = post(admin, site, "sneakers", body, "text/csv")
    assert missing.status_code == 404 and "products" in missing.json()["error"]["message"]
    other = server.make_site()
    assert post(admin, other, "products", body, "text/csv").status_code == 404
    huge = b"external_id,name,category,price\n" + b"x" * (21 * 1024 * 1024)
    assert post(admin, site, "products", huge, "text/csv").status_code == 413


def salon(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salon.cli", *args],
        env={**os.environ, "SALON_DATABASE_URL": url, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_line_imports_reports_and_fails_on_bad_rows(
    server: LiveServer, tmp_path: Path
) -> None:
    site = server.make_site()
    url = server.settings.database_url
    done = salon("import", "locations", str(example("locations")), "--site", site.key, url=url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created" in done.stdout
    dry = salon(
        "import", "products", str(example("products")), "--site", site.key, "--dry-run", url=url
    )
    assert dry.returncode == 0 and count(server, Product, site) == 0
    bad = tmp_path / "products.txt"
    bad.write_text(BAD_PRODUCTS)
    failed = salon("import", "products", str(bad), "--site", site.key, "--format", "csv", url=url)
    assert failed.returncode == 1
    assert "nothing was imported" in failed.stdout and "price" in failed.stdout
    assert count(server, Product, site) == 0
    assert count(server, Location, site) == 3


def test_imported_associates_cannot_log_in_and_other_sites_accounts_are_refused(
    server: LiveServer,
) -> None:
    site, client = admin_of(server)
    assert post_example(client, site, "locations").status_code == 200
    email = f"new-{site.id}@maison-aurel.example"
    rows = (
        "email,name,role,title,skills,languages,home_location_id\n"
        f"{email},Nina Roy,associate,Stylist,styling|shoes,fr|en,PAR-01\n"
    )
    answer = post(client, site, "associates", rows.encode(), "text/csv")
    assert answer.status_code == 200 and answer.json()["created"] == 1, answer.text
    with httpx.Client(base_url=server.base_url) as anonymous:
        for password in ("", "!imported-no-password", "correct horse battery"):
            login = anonymous.post("/api/auth/login", json={"email": email, "password": password})
            assert login.status_code in (401, 422), login.text
    retitled = rows.replace("Stylist", "Head stylist")
    report = post(client, site, "associates", retitled.encode(), "text/csv").json()
    assert report["updated"] == 1
    # an admin gives the imported account a password; then, and only then, it can log in
    url = server.settings.database_url
    short = subprocess.run(
        [sys.executable, "-m", "salon.cli", "associate", "set-password", email],
        env={**os.environ, "SALON_DATABASE_URL": url, "SALON_NEW_PASSWORD": "short"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert short.returncode == 1 and "at least 8 characters" in short.stdout
    done = subprocess.run(
        [sys.executable, "-m", "salon.cli", "associate", "set-password", email],
        env={**os.environ, "SALON_DATABASE_URL": url, "SALON_NEW_PASSWORD": "nina-first-day"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with httpx.Client(base_url=server.base_url) as anonymous:
        login = anonymous.post(
            "/api/auth/login", json={"email": email, "password": "nina-first-day"}
        )
        assert login.status_code == 200, login.text

    other, other_admin = admin_of(server)
    refused = post(other_admin, other, "associates", retitled.encode(), "text/csv")
    assert refused.status_code == 422
    columns = {e["column"]: e["reason"] for e in refused.json()["report"]["errors"]}
    assert "another site" in columns["email"]  # and PAR-01 is not one of its locations
    assert columns["home_location_id"] == "unknown location 'PAR-01'"


def test_orders_already_imported_stay_as_they_were(server: LiveServer) -> None:
    site, client = admin_of(server)
    for kind in ("locations", "products", "customers", "orders"):
        assert post_example(client, site, kind).status_code == 200
    edited = example("orders").read_text().replace("1450.00", "1.00")
    report = post(client, site, "orders", edited.encode(), "text/csv").json()
    assert report["unchanged"] == report["rows"] == 4
    guest = "order_id,customer_id,placed_at,product_id,quantity,unit_price\n"
    guest += "O-9,C404,2026-10-01T10:00:00Z,P100,1,10\nO-9,,2026-10-01T10:00:00Z,P200,1,10\n"
    answer = post(client, site, "orders", guest.encode(), "text/csv")
    errors = answer.json()["report"]["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(2, "customer_id"), (3, "customer_id")]
    assert "unknown customer 'C404'" in errors[0]["reason"]
    assert count(server, Order, site) == 3
