"""Bulk import: every row validated and its references resolved before anything is written.

A store re-sends its whole export whenever it likes, so an import must be idempotent (upserts by
the store's own ids, honest created/updated/unchanged counts) and all or nothing: one bad row and
the file writes nothing, while the report names every bad row (line, column, reason) so the
file can be fixed in one go. The CLI, the HTTP API and the demo seed all go through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.imports.context import Context
from salon.catalog.imports.reader import FILE_LINE, RowError, read_rows
from salon.catalog.imports.schemas import KINDS, Row
from salon.catalog.imports.writers import writers
from salon.core.errors import ApiError
from salon.db.engine import Database

__all__ = ["MAX_ERRORS", "ImportReport", "RowError", "apply_rows", "run_import", "unknown_kind"]

MAX_ERRORS = 100  # enough to fix a file in one pass without drowning the report


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]
    committed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "committed": self.committed,
            "errors": [error.as_dict() for error in self.errors],
        }


def unknown_kind(kind: str) -> ApiError:
    return ApiError(
        404, "unknown_kind", f"no import kind {kind!r}; kinds: {', '.join(KINDS)}", "kind"
    )


@dataclass
class _Errors:
    found: list[RowError] = field(default_factory=list)

    def add(self, line: int, column: str | None, reason: str) -> None:
        if len(self.found) < MAX_ERRORS:
            self.found.append(RowError(line, column, reason))

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_ERRORS


async def apply_rows(
    session: AsyncSession,
    site_id: str,
    kind: str,
    rows: list[dict[str, Any]],
    lines: list[int] | None = None,
) -> ImportReport:
    """Check every row, then (only when all are fine) upsert them into `session`.

    The caller commits, or rolls back when the report has errors: a row the database itself
    refuses while writing is reported too, after some rows were already added to the session.
    """
    if kind not in KINDS:
        raise unknown_kind(kind)
    lines = lines if lines is not None else list(range(1, len(rows) + 1))
    report = ImportReport(kind, False, len(rows), 0, 0, 0, [], False)
    errors = _Errors()
    model, key_fields = KINDS[kind]
    check, write = writers()[kind]
    valid = _validate(model, key_fields, rows, lines, errors)
    ctx = Context(session, site_id)
    for line, row in valid:
        if errors.full:
            break
        for column, reason in await check(ctx, row):
            errors.add(line, column, reason)
    if errors.found:
        report.errors = sorted(errors.found, key=lambda e: e.line)
        return report
    for line, row in valid:
        try:
            outcome = await write(ctx, row)
        except ApiError as exc:  # a writer of another domain refused the row
            report.errors = [RowError(line, exc.field, exc.message)]
            return report
        setattr(report, outcome, getattr(report, outcome) + 1)
    await session.flush()
    return report


def _validate(
    model: type[Row],
    key_fields: tuple[str, ...],
    rows: list[dict[str, Any]],
    lines: list[int],
    errors: _Errors,
) -> list[tuple[int, Any]]:
    """The rows pydantic accepts, in file order; a problem shared by every row is named once."""
    columns = set(model.model_fields)
    first_seen: dict[str, int] = {}
    for row, line in zip(rows, lines, strict=True):
        for name in row:
            if name not in columns:
                first_seen.setdefault(name, line)
    expected = ", ".join(model.model_fields)
    for name, line in sorted(first_seen.items(), key=lambda item: item[1]):
        errors.add(line, name, f"unknown column; the columns are {expected}")
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    absent = {n for n in required if rows and all(n not in row for row in rows)}
    for name in required:
        if name in absent:
            errors.add(lines[0], name, "required column is missing from every row")
    valid: list[tuple[int, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row, line in zip(rows, lines, strict=True):
        if errors.full:
            break
        try:
            parsed = model.model_validate({k: v for k, v in row.items() if k in columns})
        except ValidationError as exc:
            for problem in exc.errors():
                loc = problem.get("loc", ())
                column = str(loc[0]) if loc else None
                if problem["type"] == "missing" and column in absent:
                    continue
                errors.add(line, column, _reason(problem))
            continue
        key = tuple(_key_part(name, getattr(parsed, name)) for name in key_fields)
        if key in seen:
            label = ", ".join(key_fields)
            errors.add(line, key_fields[-1], f"same {label} as line {seen[key]}")
            continue
        seen[key] = line
        valid.append((line, parsed))
    return valid


def _key_part(name: str, value: Any) -> str:
    """E-mail addresses match whatever their case; the store's ids are case-sensitive."""
    return str(value).lower() if name == "email" else str(value)


def _reason(problem: Any) -> str:
    message = str(problem.get("msg", "invalid value"))
    if problem["type"] == "missing":
        return "required, but missing or empty"
    value = problem.get("input")
    if isinstance(value, str | int | float) and len(str(value)) <= 60:
        return f"{message} (got {value!r})"
    return message


class _Rollback(Exception):
    """Leaves `db.writer()` without committing (dry run, or errors)."""


async def run_import(
    db: Database,
    site_id: str,
    kind: str,
    payload: bytes,
    fmt: Literal["csv", "json"],
    dry_run: bool,
) -> ImportReport:
    """One transaction: committed only when every row is fine and this is not a dry run."""
    if kind not in KINDS:
        raise unknown_kind(kind)
    parsed = read_rows(payload, fmt)
    report = ImportReport(kind, dry_run, len(parsed.rows), 0, 0, 0, list(parsed.errors), False)
    if not parsed.rows:
        report.committed = not report.errors and not dry_run
        return report
    try:
        async with db.writer() as session:
            applied = await apply_rows(session, site_id, kind, parsed.rows, parsed.lines)
            report.created, report.updated = applied.created, applied.updated
            report.unchanged = applied.unchanged
            report.errors = sorted([*parsed.errors, *applied.errors], key=lambda e: e.line)
            report.errors = report.errors[:MAX_ERRORS]
            if report.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except IntegrityError as exc:
        reason = f"the database refused the rows: {str(exc.orig).splitlines()[0]}"
        report.errors = [*report.errors, RowError(FILE_LINE, None, reason)]
    else:
        report.committed = True
    if report.errors:
        report.created = report.updated = report.unchanged = 0
    return report
