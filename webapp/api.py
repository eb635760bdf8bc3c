"""JSON API: /api/search and /api/documents/<doc_id>."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, jsonify, request

from .params import search_request
from .state import searcher

bp = Blueprint("api", __name__, url_prefix="/api")

HIT_FIELDS = ("rank", "score", "doc_id", "title", "source", "kind", "published", "language",
              "section", "passage_id", "text", "snippet", "matched_by", "ranks")


@bp.get("/search")
def search():
    s = searcher()
    req = search_request(request.args, s.config)
    response = s.search(req)
    return jsonify({
        "query": response.query, "mode": response.mode, "total": response.total,
        "page": response.page, "per_page": response.per_page, "sort": req.sort,
        "notice": response.notice,
        "filters": asdict(req.filters),
        "facets": {name: [{"value": v, "count": c} for v, c in values]
                   for name, values in response.facets.items()},
        "also_searched": [{"lang": lang, "text": text}
                          for lang, text in response.also_searched.items()],
        **({"translation": {"lang": req.translate, "engine": s.translator.name,
                            "notice": response.translation_notice}} if req.translate else {}),
        "hits": [{k: getattr(h, k) for k in HIT_FIELDS}
                 | ({"translation": h.translation} if req.translate else {})
                 for h in response.hits],
    })


@bp.get("/documents/<doc_id>")
def document(doc_id: str):
    index = searcher().handle.get()
    doc = index.store.document(doc_id)
    if doc is None:
        abort(404, description=f"no document with id {doc_id!r}")
    return jsonify({
        "doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "kind": doc.kind,
        "published": doc.published, "url": doc.url, "language": doc.language, "text": doc.text,
        "passages": [{"passage_id": p.passage_id, "ordinal": p.ordinal, "section": p.section,
                      "start": p.start, "end": p.end, "language": p.language}
                     for p in index.store.passages_of(doc_id)],
    })
