"""Writing export rows as CSV, JSONL or XLSX, chunk by chunk.

Spreadsheets run formulas found in cells, and documents are untrusted text. So:
- CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
  (or with `=`, `+`, `-`, `@` after leading spaces) gets a leading single quote
  (OWASP's CSV-injection rule), which Excel and LibreOffice show as text;
- XLSX (XlsxWriter): every text cell is written with `write_string`/`write_rich_string`,
  never as a formula, and the workbook's automatic formula, URL and number
  conversions are off;
- JSONL is data for programs and keeps values unchanged.

CSV is UTF-8 with a byte-order mark, so Excel opens Italian accents correctly.
XLSX is built in XlsxWriter's constant-memory mode in a temporary file, then sent.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator

from .rows import COLUMNS, NUMERIC_COLUMNS, ExportRow

FORMATS = ("csv", "jsonl", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024
XLSX_WIDTHS = {"query": 24, "title": 40, "section": 24, "text": 80, "snippet": 80,
               "translated_snippet": 60, "permalink": 50, "exported_at": 22}

Batches = Iterable[list[ExportRow]]
Summary = Callable[[int], dict]  # rows written -> the summary of the export


def neutralise(text: str) -> str:
    """A CSV cell that no spreadsheet will read as a formula."""
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip(" ").startswith(FORMULA_TRIGGERS[:4]):
        return "'" + text
    return text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return neutralise(str(value))


def csv_chunks(batches: Batches) -> Iterator[bytes]:
    """BOM and header row, then one chunk per batch of rows (CSV has no place for a summary)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for batch in batches:
        for row in batch:
            writer.writerow([_csv_cell(row.values[c]) for c in COLUMNS])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def jsonl_chunks(batches: Batches, summary: Summary) -> Iterator[bytes]:
    """One JSON object per row, then a last line `{"summary": {...}}` with the final counts."""
    written = 0
    for batch in batches:
        lines = [json.dumps({c: row.values[c] for c in COLUMNS}, ensure_ascii=False)
                 for row in batch]
        written += len(lines)
        if lines:
            yield ("\n".join(lines) + "\n").encode("utf-8")
    yield (json.dumps({"summary": summary(written)}, ensure_ascii=False) + "\n").encode("utf-8")


def _write_xlsx_row(sheet, r: int, row: ExportRow, bold) -> None:
    for c, name in enumerate(COLUMNS):
        value = row.values[name]
        if value is None or value == "":
            continue
        if name in NUMERIC_COLUMNS:
            sheet.write_number(r, c, value)
        elif name == "snippet" and any(matched for _, matched in row.snippet_runs):
            runs = row.snippet_runs
            if len(runs) == 1:
                sheet.write_string(r, c, runs[0][0], bold)
            else:
                fragments = []
                for text, matched in runs:
                    fragments += [bold, text] if matched else [text]
                sheet.write_rich_string(r, c, *fragments)
        else:
            sheet.write_string(r, c, str(value))


def write_xlsx(batches: Batches, summary: Summary, fileobj) -> int:
    """A workbook: sheet "hits" (header + rows), sheet "export" (the summary). Returns rows."""
    import xlsxwriter
    workbook = xlsxwriter.Workbook(fileobj, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("hits")
    for c, name in enumerate(COLUMNS):
        sheet.set_column(c, c, XLSX_WIDTHS.get(name, 12))
        sheet.write_string(0, c, name, bold)
    sheet.freeze_panes(1, 0)
    written = 0
    for batch in batches:
        for row in batch:
            written += 1
            _write_xlsx_row(sheet, written, row, bold)
    about = workbook.add_worksheet("export")
    about.set_column(0, 0, 16)
    about.set_column(1, 1, 80)
    for r, (key, value) in enumerate(summary(written).items()):
        about.write_string(r, 0, key, bold)
        about.write_string(r, 1, value if isinstance(value, str)
                           else json.dumps(value, ensure_ascii=False))
    workbook.close()
    return written


def xlsx_chunks(batches: Batches, summary: Summary) -> Iterator[bytes]:
    """The workbook, written to a temporary file and then sent in chunks."""
    with tempfile.TemporaryFile() as fh:
        write_xlsx(batches, summary, fh)
        fh.seek(0)
        while chunk := fh.read(CHUNK_BYTES):
            yield chunk


def export_chunks(fmt: str, batches: Batches, summary: Summary) -> Iterator[bytes]:
    if fmt == "csv":
        return csv_chunks(batches)
    if fmt == "jsonl":
        return jsonl_chunks(batches, summary)
    if fmt == "xlsx":
        return xlsx_chunks(batches, summary)
    raise ValueError(f"unknown export format {fmt!r}")
