"""Downloads: `/api/export` (every hit of a search) and batch search (`/batch`, `/api/batch`).

The file is generated while it is sent (chunked transfer). What is known before
the first byte, the request, the hit count and the limits, travels in
`X-Export-*` headers; the rows actually written are counted in the JSONL file's
last line and the XLSX file's "export" sheet.
"""
from __future__ import annotations

import json
import re
import unicodedata

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from indexer.export.batch import BatchPlan, read_queries
from indexer.export.formats import MEDIA_TYPES
from indexer.export.plan import (ExportTooLarge, check_format, check_limit, export_stream,
                                 plan_export, row_cap)
from indexer.export.rows import RowBuilder
from indexer.search.validation import InvalidParameter, check_group, check_int

from .export_slots import export_slots
from .params import search_request
from .reader_prefs import reader_language
from .state import searcher

bp = Blueprint("export", __name__)

SEARCH_PARAMS = ("q", "mode", "lang", "kind", "source", "date_from", "date_to", "sort")


def slug(text: str, fallback: str = "export") -> str:
    """ASCII, lower case, dashes: `Veicoli elettrici, più` -> `veicoli-elettrici-piu`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or fallback


def _row_builder(s) -> RowBuilder:
    """Rows for this reader: snippets translated into their language, as on the page."""
    target = reader_language(request, s.config) if s.translator.available else ""
    return RowBuilder(base_url=request.url_root, target_language=target,
                      translate=s.translator.translate if target else None)


def _download(plan, fmt: str, builder: RowBuilder, name: str) -> Response:
    header = plan.header()
    filename = f"newsdesk-{name}-{builder.exported_at[:10]}.{fmt}"
    response = Response(export_stream(plan, fmt, builder), content_type=MEDIA_TYPES[fmt])
    response.headers.update({
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Export-Summary": json.dumps(header, ensure_ascii=True, separators=(",", ":")),
        "X-Export-Max-Rows": str(header["max_rows"]),
    })
    for key in ("total", "rows", "truncated", "queries", "top"):
        if key in header:
            value = header[key]
            response.headers[f"X-Export-{key.title()}"] = (
                str(value).lower() if isinstance(value, bool) else str(value))
    return response


@bp.errorhandler(ExportTooLarge)
def too_large(exc: ExportTooLarge):
    return jsonify({"error": str(exc), "status": 422, "total": exc.total,
                    "max_rows": exc.max_rows}), 422


@bp.get("/api/export")
def export():
    s = searcher()
    req = search_request(request.args, s.config)
    if not req.query.strip():
        raise InvalidParameter("q", "an export needs a query")
    fmt = check_format(request.args.get("format"))
    cap = row_cap(s, fmt)
    limit = check_limit(request.args.get("limit"), cap)
    group = check_group(request.args.get("group"), default="passage")  # rows are passages
    return export_slots().serve(lambda: _download(
        plan_export(s, req.query, req.mode, req.filters, limit, cap, xlang=req.xlang,
                    sort=req.sort, group=group),
        fmt, _row_builder(s), slug(req.query)))


@bp.get("/batch")
def batch_form():
    s = searcher()
    return render_template("batch.html", languages=s.config.corpus.languages,
                           export=s.config.export, mode=s.config.search.default_mode)


@bp.post("/batch")
def batch():
    """The form's target: errors come back as a page."""
    return _batch()


@bp.post("/api/batch")
def batch_api():
    """The same for programs: errors come back as JSON."""
    return _batch()


def _batch():
    s = searcher()
    cfg = s.config.export
    form = request.form
    upload = request.files.get("queries")
    data = upload.read() if upload is not None else b""
    if not data.strip():
        data = form.get("queries_text", "").encode("utf-8")
    queries = read_queries(data, cfg.batch_max_queries, s.config.search.max_query_chars)
    req = search_request(form, s.config)
    fmt = check_format(form.get("format"))
    top = check_int("top", form.get("top"), cfg.batch_top, 1, cfg.batch_max_top)
    name = "batch-" + slug(upload.filename.rsplit(".", 1)[0] if upload and upload.filename
                           else "", "queries")
    return export_slots().serve(lambda: _download(
        BatchPlan(s, queries, req.mode, req.filters, top, xlang=req.xlang), fmt,
        _row_builder(s), name))


@bp.app_context_processor
def export_links():
    """`export_url(fmt, limit=None)` for the results page: this search as a download."""
    def export_url(fmt: str, limit: int | None = None) -> str:
        params = {k: request.args.getlist(k) for k in SEARCH_PARAMS if k in request.args}
        return url_for("export.export", format=fmt, limit=limit, **params)
    cfg = searcher().config.export
    return {"export_url": export_url, "export_max_rows": cfg.max_rows, "export_depth": cfg.depth}
