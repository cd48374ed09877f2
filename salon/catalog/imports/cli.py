"""`salon import`: the report as a table an operator can act on, and an exit code for scripts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from rich.table import Table

from salon.catalog.imports.reader import FORMATS, Format, format_for
from salon.catalog.imports.schemas import KINDS
from salon.catalog.imports.service import ImportReport, run_import
from salon.config import get_settings


def import_command(
    console: Console, kind: str, file: Path, site_key: str, dry_run: bool, fmt: str | None
) -> int:
    """Exit status: 0 imported (or dry-ran) cleanly, 1 row errors, 2 bad arguments."""
    if kind not in KINDS:
        console.print(f"[red]no import kind {kind!r}[/]; kinds: {', '.join(KINDS)}")
        return 2
    chosen = fmt.lower() if fmt else format_for(file.name)
    if chosen not in FORMATS:
        console.print(
            "[red]cannot tell the format[/]: name the file .csv or .json or pass --format"
        )
        return 2
    file_format: Format = "csv" if chosen == "csv" else "json"
    payload = file.read_bytes()

    async def run() -> ImportReport | None:
        from salon.db.engine import Database
        from salon.identity.service import SiteDirectory

        db = Database(get_settings().database_url)
        try:
            site = await SiteDirectory(db).by_key(site_key)
            if site is None:
                return None
            return await run_import(db, site.id, kind, payload, file_format, dry_run)
        finally:
            await db.dispose()

    report = asyncio.run(run())
    if report is None:
        console.print(f"[red]no site with key {site_key}[/]")
        return 2
    print_report(console, report, file.name)
    return 1 if report.errors else 0


def print_report(console: Console, report: ImportReport, name: str) -> None:
    mode = "dry run" if report.dry_run else "import"
    if report.errors:
        table = Table(title=f"{name}: {len(report.errors)} problem(s), nothing was imported")
        for column in ("line", "column", "reason"):
            table.add_column(column)
        for error in report.errors:
            table.add_row(str(error.line), error.column or "", error.reason)
        console.print(table)
        return
    table = Table(title=f"{name}: {report.kind} {mode}")
    for column in ("rows", "created", "updated", "unchanged", "committed"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.rows),
        str(report.created),
        str(report.updated),
        str(report.unchanged),
        "yes" if report.committed else "no",
    )
    console.print(table)
