"""JSON API: /api/search and /api/documents/<doc_id>."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, jsonify, request

from indexer.search.searcher import Hit, SearchRequest
from indexer.search.timeline import Timeline

from .params import search_request
from .views import STORY_LISTED
from .state import searcher

bp = Blueprint("api", __name__, url_prefix="/api")

HIT_FIELDS = ("rank", "score", "doc_id", "title", "source", "kind", "published", "language",
              "section", "passage_id", "text", "snippet", "matched_by", "ranks", "names", "figures",
              "story_id", "story_role")
DOCUMENT_FIELDS = ("doc_id", "title", "source", "kind", "published", "story_id", "story_role")
MORE_FIELDS = tuple(k for k in HIT_FIELDS if k not in DOCUMENT_FIELDS)  # a document's other hits


def _hit(hit: Hit, req: SearchRequest) -> dict:
    out = {k: getattr(hit, k) for k in HIT_FIELDS}
    if req.group == "document":
        out |= {"passages": hit.passages,
                "more": [{k: getattr(m, k) for k in MORE_FIELDS} for m in hit.more]}
        if req.stories == "group":
            out |= {"story": [asdict(m) for m in hit.story], "story_others": hit.story_others}
    return out | ({"translation": hit.translation} if req.translate else {})


def _timeline(timeline: Timeline) -> dict:
    return {"unit": timeline.unit, "undated": timeline.undated, "imprecise": timeline.imprecise,
            "bars": [asdict(bar) for bar in timeline.bars]}


@bp.get("/search")
def search():
    s = searcher()
    req = search_request(request.args, s.config)
    response = s.search(req)
    return jsonify({
        "query": response.query, "mode": response.mode, "group": response.group,
        "total": response.total, "total_documents": response.total_documents,
        "total_passages": response.total_passages,
        "page": response.page, "per_page": response.per_page, "sort": req.sort,
        "notice": response.notice,
        "filters": asdict(req.filters),
        "facets": {name: [{"value": v, "count": c} for v, c in values]
                   for name, values in response.facets.items()},
        "timeline": _timeline(response.timeline),
        "also_searched": [{"lang": lang, "text": text}
                          for lang, text in response.also_searched.items()],
        **({"translation": {"lang": req.translate, "engine": s.translator.name,
                            "notice": response.translation_notice}} if req.translate else {}),
        "hits": [_hit(h, req) for h in response.hits],
    })


@bp.get("/documents/<doc_id>")
def document(doc_id: str):
    index = searcher().handle.get()
    doc = index.store.document(doc_id)
    if doc is None:
        abort(404, description=f"no document with id {doc_id!r}")
    others, count = index.store.story_others(doc.story_id, doc_id, STORY_LISTED)
    return jsonify({
        "doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "kind": doc.kind,
        "published": doc.published, "url": doc.url, "language": doc.language, "text": doc.text,
        "story_id": doc.story_id, "story_role": doc.story_role,
        "story": [{"doc_id": d.doc_id, "title": d.title, "source": d.source,
                   "language": d.language, "published": d.published, "role": d.story_role}
                  for d in others],
        "story_others": count,
        "mentions": [asdict(m) for m in index.store.mentions_of(doc_id)],
        "passages": [{"passage_id": p.passage_id, "ordinal": p.ordinal, "section": p.section,
                      "start": p.start, "end": p.end, "language": p.language}
                     for p in index.store.passages_of(doc_id)],
    })
