"""The `salon` command: serve, demo, database and account administration."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from salon.config import Settings, get_settings

app = typer.Typer(
    help="Salon: the live shop floor for online retailers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
site_app = typer.Typer(help="Sites (tenants).", no_args_is_help=True)
associate_app = typer.Typer(help="Associate accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(site_app, name="site")
app.add_typer(associate_app, name="associate")
insight_app = typer.Typer(help="Models: purchase intent, mood.", no_args_is_help=True)
app.add_typer(insight_app, name="insight")
report_app = typer.Typer(help="Scheduled reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")
topics_app = typer.Typer(help="Recurring questions grouped into topics.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
privacy_app = typer.Typer(help="GDPR export and erasure of a customer.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
console = Console()


def _serve(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        "salon.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        ws_max_size=64 * 1024,
        # the floor sends one delta to every console: compressing it per socket cost 10-17% of
        # the consoles' node (docs/benchmarks.md); deltas are small JSON, sent as they are
        ws_per_message_deflate=False,
        proxy_headers=True,
        log_level=os.environ.get("SALON_LOG_LEVEL", "info"),
        access_log=False,
    )


def _settings_for(host: str | None, port: int | None) -> Settings:
    """Command-line host and port win, and reach the app (which reads the environment)."""
    if port:
        os.environ["SALON_PORT"] = str(port)
    if host:
        os.environ["SALON_HOST"] = host
    get_settings.cache_clear()
    return get_settings()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first")] = True,
) -> None:
    """Serve the API, the console and the widget."""
    settings = _settings_for(host, port)
    if migrate:
        from salon.db.migrate import upgrade

        upgrade(settings.database_url)
    _serve(settings.host, settings.port)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from salon.db.migrate import upgrade

    upgrade(get_settings().database_url)
    console.print("[green]database is at the newest schema[/]")


@site_app.command("create")
def site_create(
    name: str,
    origin: Annotated[list[str], typer.Option(help="Allowed origin (repeat)")],
) -> None:
    """Create a site; prints its public widget key and its secret for signing identities."""
    from salon.db.engine import Database
    from salon.identity.service import create_site

    async def run() -> None:
        db = Database(get_settings().database_url)
        try:
            site = await create_site(db, name, origin)
        finally:
            await db.dispose()
        console.print(f"site id     {site.id}\nsite key    {site.key}\nsite secret {site.secret}")
        console.print(
            f'embed: <script src="{get_settings().base_url}/widget.js" data-site="{site.key}" '
            "defer></script>"
        )

    asyncio.run(run())


@associate_app.command("set-password")
def associate_set_password(email: str) -> None:
    """Set an associate's password (SALON_NEW_PASSWORD or prompted); ends their sessions."""
    from salon.core.errors import ApiError
    from salon.db.engine import Database
    from salon.identity.service import set_password

    password = os.environ.get("SALON_NEW_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )

    async def run() -> None:
        from salon.privacy import audit

        db = Database(get_settings().database_url)
        try:
            with audit.recorded(
                audit.CLI_ACTOR, "associate.set_password", f"associate:{email.lower()}", None
            ):
                await set_password(db, email, password)
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except ApiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"password set for {email}")


@associate_app.command("create")
def associate_create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name")],
    site: Annotated[list[str], typer.Option(help="Site key the associate works on (repeat)")],
    role: Annotated[str, typer.Option(help="associate, supervisor or admin")] = "associate",
) -> None:
    """Create an associate; the password is read from SALON_NEW_PASSWORD or prompted."""
    from salon.db.engine import Database
    from salon.identity.service import SiteDirectory, create_associate

    password = os.environ.get("SALON_NEW_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )

    async def run() -> None:
        db = Database(get_settings().database_url)
        try:
            directory = SiteDirectory(db)
            site_ids = []
            for key in site:
                info = await directory.by_key(key)
                if info is None:
                    raise typer.BadParameter(f"no site with key {key}")
                site_ids.append(info.id)
            associate_id = await create_associate(
                db,
                email,
                name,
                password,
                role,
                site_ids,
            )
        finally:
            await db.dispose()
        console.print(f"associate {associate_id} created")

    asyncio.run(run())


@insight_app.command("evaluate")
def insight_evaluate(
    stored: Annotated[
        bool, typer.Option(help="Print the shipped report instead of rerunning")
    ] = False,
) -> None:
    """The shipped intent model under three protocols, with and without PageValues."""
    from salon.insight.intent import load_dataset, load_shipped
    from salon.insight.intent_eval import EvalRow, evaluate, render_table

    if stored:
        rows = [EvalRow(**row) for row in load_shipped().report["evaluation"]]
    else:
        with console.status("evaluating (5-fold CV, 70/30 split, temporal split) …"):
            rows = evaluate(*load_dataset())
    console.print(render_table(rows))
    console.print(
        "Sakar et al. (2019), random forest on the original data: accuracy 0.895, F1 0.58; "
        "with oversampling and feature selection: F1 0.87."
    )


@topics_app.command("evaluate")
def topics_evaluate(
    split: Annotated[
        str, typer.Option(help="CLINC150 split: test, or val (where thresholds were chosen)")
    ] = "test",
) -> None:
    """NMI, ARI and matched accuracy of the topic grouping on CLINC150, k never given."""
    from rich.progress import Progress

    from salon.topics.embedding import (
        Embedder,
        HashingEmbedder,
        MiniLMEmbedder,
        minilm_available,
    )
    from salon.topics.evaluate import evaluate

    embedders: list[Embedder] = [HashingEmbedder()]
    if minilm_available():
        embedders.insert(0, MiniLMEmbedder())
    rows = []
    with Progress(console=console) as progress:
        task = progress.add_task("grouping", total=len(embedders) * 3)
        for embedder in embedders:
            rows += evaluate(
                embedder, split, lambda step: progress.update(task, advance=1, description=step)
            )
    table = Table(title=f"Topic grouping on CLINC150 {split} (150 intents)")
    for column in ("embedder", "method", "NMI", "ARI", "accuracy", "topics", "seconds"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.embedder,
            row.method,
            f"{row.nmi:.3f}",
            f"{row.ari:.3f}",
            f"{row.accuracy:.3f}",
            str(row.clusters),
            f"{row.seconds:.1f}",
        )
    console.print(table)
    console.print("TF-IDF + k-means (k given): NMI about 0.67-0.70; USNID: about 0.91.")


@insight_app.command("train")
def insight_train(
    days: Annotated[int, typer.Option(help="Finished visits of the last N days")] = 90,
    output: Annotated[Path | None, typer.Option(help="Where to write the model")] = None,
) -> None:
    """Retrain the intent model on this store's own finished visits (versioned, with report).

    Point SALON_INTENT_MODEL at the file it writes to use it instead of the shipped model.
    """
    from salon.db.engine import Database
    from salon.insight.training import (
        default_store_model_path,
        fit_store_abandonment,
        fit_store_model,
        store_dataset,
    )

    settings = get_settings()

    async def collect() -> object:
        db = Database(settings.database_url)
        try:
            return await store_dataset(db, days, settings.floor_active_seconds)
        finally:
            await db.dispose()

    data = asyncio.run(collect())
    try:
        model = fit_store_model(data)  # type: ignore[arg-type]
    except ValueError as exc:
        console.print(f"[red]not trained:[/] {exc}")
        raise typer.Exit(1) from exc
    path = output or default_store_model_path()
    report = model.save(path)
    console.print(
        f"model {model.version} written to {path} (report {report}); held-out "
        f"ROC-AUC {model.report.get('held_out_roc_auc')}"
    )
    try:
        carts = fit_store_abandonment(data, model)  # type: ignore[arg-type]
    except ValueError as exc:
        console.print(f"[yellow]abandonment model not trained:[/] {exc}")
        return
    cart_path = path.with_name("abandonment-store.joblib")
    carts.save(cart_path)
    console.print(
        f"abandonment model {carts.version} written to {cart_path}; held-out ROC-AUC "
        f"{carts.report['held_out_roc_auc']} (SALON_ABANDONMENT_MODEL={cart_path})"
    )


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help="What the file holds: products, customers...")],
    file: Annotated[Path, typer.Argument(help="The CSV or JSON file", exists=True, dir_okay=False)],
    site: Annotated[str, typer.Option(help="Site key to import into")],
    dry_run: Annotated[bool, typer.Option(help="Check and count, commit nothing")] = False,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or json (default: from the extension)")
    ] = None,
) -> None:
    """Import a file into a site's tables: all rows or none; exits 1 when a row is wrong."""
    from salon.catalog.imports.cli import import_command

    raise typer.Exit(import_command(console, kind, file, site, dry_run, file_format))


@app.command()
def demo(
    shoppers: Annotated[int | None, typer.Option(help="Simulated shoppers (0 for none)")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    host: Annotated[str | None, typer.Option(help="Interface")] = None,
) -> None:
    """Migrate, seed the demo store and serve it with simulated shoppers."""
    os.environ["SALON_DEMO"] = "true"
    settings = _settings_for(host, port)
    from salon.db.engine import Database
    from salon.db.migrate import upgrade
    from salon.demo.seed import DEMO_ACCOUNTS, seed_demo

    upgrade(settings.database_url)
    origins = sorted(settings.allowed_console_origins)

    async def run_seed() -> tuple[str, str]:
        db = Database(settings.database_url)
        try:
            site = await seed_demo(db, origins)
        finally:
            await db.dispose()
        return site.key, site.secret

    site_key, site_secret = asyncio.run(run_seed())
    table = Table(title="Demo accounts (console at " + settings.base_url + "/console)")
    for column in ("e-mail", "password", "role"):
        table.add_column(column)
    for account in DEMO_ACCOUNTS:
        table.add_row(account.email, account.password, account.role)
    console.print(table)
    console.print(f"Storefront: {settings.base_url}/shop")
    count = settings.demo_shoppers if shoppers is None else shoppers
    simulator: subprocess.Popen[bytes] | None = None
    if count > 0:
        env = {**os.environ, "SALON_SIMULATOR_SITE_SECRET": site_secret}
        simulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "salon.demo.simulator",
                "--url",
                settings.base_url,
                "--site-key",
                site_key,
                "--shoppers",
                str(count),
            ],
            env=env,
        )
        console.print(f"Simulating {count} shoppers")
    try:
        _serve(settings.host, settings.port)
    finally:
        if simulator is not None:
            simulator.terminate()
            simulator.wait(timeout=10)


@privacy_app.command("export")
def privacy_export(
    customer_id: Annotated[str, typer.Argument(help="The customer's Salon id")],
    site: Annotated[str, typer.Option(help="The site's public key")],
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
) -> None:
    """Everything Salon holds about a customer, as JSON (audited as done from the CLI)."""
    from salon.privacy.cli import export_command

    raise typer.Exit(export_command(console, site, customer_id, output))


@privacy_app.command("erase")
def privacy_erase(
    customer_id: Annotated[str, typer.Argument(help="The customer's Salon id")],
    site: Annotated[str, typer.Option(help="The site's public key")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone")] = False,
) -> None:
    """Erase a customer everywhere, irreversibly (docs/privacy.md says what is kept)."""
    from salon.privacy.cli import erase_command

    if not yes:
        console.print("[red]erasure cannot be undone: add --yes to confirm[/]")
        raise typer.Exit(2)
    raise typer.Exit(erase_command(console, site, customer_id))


@report_app.command("weekly")
def report_weekly(
    site: Annotated[str, typer.Option(help="The site's public key")],
    week: Annotated[str | None, typer.Option(help="ISO week like 2026-W48; default: last")] = None,
) -> None:
    """E-mail a site's supervisors the weekly summary now (never twice for the same week)."""
    from salon.analytics.report import send_for_site_key

    try:
        result = asyncio.run(send_for_site_key(get_settings(), site, week))
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"{result.week}: {result.status} ({result.recipients} recipients) {result.where}")
    raise typer.Exit(1 if result.status == "failed" else 0)


@app.command()
def simulate(
    url: Annotated[str, typer.Option(help="Salon base URL")],
    site_key: Annotated[str, typer.Option(help="The site's public key")],
    shoppers: Annotated[int, typer.Option(help="How many at once")] = 80,
    speed: Annotated[float, typer.Option(help="Time compression factor")] = 1.0,
) -> None:
    """Drive simulated shoppers (site secret from SALON_SIMULATOR_SITE_SECRET)."""
    from salon.demo.simulator import main

    raise typer.Exit(
        main(
            [
                "--url",
                url,
                "--site-key",
                site_key,
                "--shoppers",
                str(shoppers),
                "--speed",
                str(speed),
            ]
        )
    )


if __name__ == "__main__":
    app()
