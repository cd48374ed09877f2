"""CSV and JSON files into row dicts, each with the line a person would look at to fix it.

Parsing is separate from validation so that CSV and JSON rows meet the same pydantic models, and
so a file that cannot be read at all is reported the same way as a bad row (line 0: the file).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Format = Literal["csv", "json"]
FORMATS: tuple[Format, ...] = ("csv", "json")
FILE_LINE = 0  # an error about the whole file, not one row


@dataclass
class RowError:
    """One problem, where to find it: the CSV line (header = 1) or the JSON row (first = 1)."""

    line: int
    column: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class ParsedFile:
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def format_for(filename: str) -> Format | None:
    """The format a file name implies (`products.csv` -> csv), None when it says nothing."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return "csv" if suffix == "csv" else "json" if suffix == "json" else None


def read_rows(payload: bytes, fmt: Format) -> ParsedFile:
    """Row dicts and their lines; blank CSV cells and JSON nulls are left out (the default)."""
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedFile(
            errors=[RowError(FILE_LINE, None, f"the file is not UTF-8 (byte {exc.start})")]
        )
    return _read_csv(text) if fmt == "csv" else _read_json(text)


def _read_csv(text: str) -> ParsedFile:
    parsed = ParsedFile()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    line = 1  # the physical line the next record starts on
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                problem = _header_problem(header)
                if problem:
                    parsed.errors.append(RowError(start, None, problem))
                    return parsed
                continue
            if len(record) > len(header):
                parsed.errors.append(
                    RowError(
                        start,
                        None,
                        f"{len(record)} cells but the header has {len(header)} columns",
                    )
                )
                continue
            row = {
                name: cell.strip()
                for name, cell in zip(header, record, strict=False)
                if name and cell.strip()
            }
            parsed.rows.append(row)
            parsed.lines.append(start)
    except csv.Error as exc:
        parsed.errors.append(RowError(reader.line_num, None, f"not valid CSV ({exc})"))
    if header is None and not parsed.errors:
        parsed.errors.append(RowError(FILE_LINE, None, "the file is empty (no header line)"))
    return parsed


def _header_problem(header: list[str]) -> str | None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            return f"column {name!r} appears twice in the header"
        seen.add(name)
    if not any(header):
        return "the header line names no columns"
    return None


def _read_json(text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} (text line {exc.lineno}, column {exc.colno})"
        return ParsedFile(errors=[RowError(FILE_LINE, None, reason)])
    if isinstance(data, dict) and set(data) == {"rows"}:
        data = data["rows"]
    if not isinstance(data, list):
        reason = 'expected an array of objects or {"rows": [...]}'
        return ParsedFile(errors=[RowError(FILE_LINE, None, reason)])
    parsed = ParsedFile()
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            parsed.errors.append(RowError(index, None, "a row must be a JSON object"))
            continue
        parsed.rows.append({str(k): v for k, v in item.items() if v is not None})
        parsed.lines.append(index)
    return parsed
