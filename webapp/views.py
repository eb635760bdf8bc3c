"""HTML pages: search (with filters and paging) and the document view. No JavaScript needed."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer.validation import InvalidParameter

from .documents import segments
from .params import search_request
from .state import searcher

bp = Blueprint("views", __name__)

LANGUAGE_NAMES = {"en": "English", "it": "Italiano"}
FACET_PARAMS = {"language": "lang", "kind": "kind", "source": "source"}


def _url_with(args: MultiDict, **changes) -> str:
    """The search URL with some parameters replaced (None removes one)."""
    params = MultiDict(args)
    for key, value in changes.items():
        params.poplist(key)
        if isinstance(value, list):
            for v in value:
                params.add(key, v)
        elif value is not None:
            params.add(key, value)
    return url_for("views.search", **params.to_dict(flat=False))


def _toggle(args: MultiDict, param: str, value: str) -> str:
    values = args.getlist(param)
    values = [v for v in values if v != value] if value in values else values + [value]
    return _url_with(args, **{param: values, "page": None})


@bp.get("/")
def search():
    s = searcher()
    args = request.args
    context = dict(args=args, languages=s.config.corpus.languages, language_names=LANGUAGE_NAMES,
                   facet_params=FACET_PARAMS, toggle=lambda p, v: _toggle(args, p, v),
                   url_with=lambda **c: _url_with(args, **c), response=None, error=None,
                   mode=args.get("mode") or s.config.search.default_mode)
    if not args.get("q", "").strip():
        return render_template("search.html", **context)
    try:
        req = search_request(args, s.config)
    except InvalidParameter as exc:
        context["error"] = str(exc)
        return render_template("search.html", **context), 400
    context.update(response=s.search(req), request_=req, mode=req.mode)
    return render_template("search.html", **context)


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    s = searcher()
    index = s.handle.get()
    doc = index.store.document(doc_id)
    if doc is None:
        abort(404, description=f"No document with id {doc_id!r}.")
    query = request.args.get("q", "")[:s.config.search.max_query_chars]
    parsed = s.reader.parse(query)
    terms = index.keyword.terms_of(parsed.tree) if not parsed.empty else {}
    try:
        hit = int(request.args.get("p", ""))
    except ValueError:
        hit = None
    return render_template("document.html", doc=doc, query=query, hit=hit,
                           segments=segments(doc, index.store.passages_of(doc_id), terms),
                           language_names=LANGUAGE_NAMES)
