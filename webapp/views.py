"""HTML pages: search (with filters and paging) and the document view. No JavaScript needed."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer.dates import date_span, day_difference
from indexer.search.validation import InvalidParameter, check_int

from .document_translation import translate_window, window_start
from .documents import name_search, segments, top_names
from .params import search_request
from .reader_prefs import reader_language
from .state import searcher

bp = Blueprint("views", __name__)

LANGUAGE_NAMES = {"en": "English", "it": "Italiano"}
FACET_PARAMS = {"language": "lang", "kind": "kind", "source": "source", "name": "name",
                "figure": "figure"}
STORY_LISTED = 100  # a story's other documents listed on a document's page
FACET_TITLES = {"language": "Language", "kind": "Kind", "source": "Source", "name": "Names",
                "figure": "Figures"}
# The search box's examples; each finds something in the shipped corpus (a test checks).
EXAMPLE_QUERIES = ("veicoli elettrici", '"energy use"', "title:milione")


QUERY_SAFE = "!$'()*,/:;?@"  # left unescaped in query strings, as url_for leaves them


def _url_with(base: str, args: MultiDict, **changes) -> str:
    """The search URL (`base`) with some parameters replaced (None removes one): what
    url_for would give, without routing each of a result page's hundred links."""
    params = [(key, value) for key, value in args.items(multi=True) if key not in changes]
    for key, value in changes.items():
        if isinstance(value, list):
            params += [(key, v) for v in value]
        elif value is not None:
            params.append((key, value))
    return f"{base}?{urlencode(params, safe=QUERY_SAFE)}" if params else base


def _toggle(base: str, args: MultiDict, param: str, value: str) -> str:
    values = args.getlist(param)
    values = [v for v in values if v != value] if value in values else values + [value]
    return _url_with(base, args, **{param: values, "page": None})


@bp.app_template_filter("days_after")
def days_after(days: int) -> str:
    """A story member's date against the hit's: "same day", "2 days later", "1 day earlier"."""
    if days == 0:
        return "same day"
    n = abs(days)
    return f"{n} day{'s' if n != 1 else ''} {'later' if days > 0 else 'earlier'}"


def _reader_language(s) -> str:
    """The reader's target language ('' when translation is off or configured away)."""
    return reader_language(request, s.config) if s.config.translation.backend != "none" else ""


@bp.get("/")
def search():
    s = searcher()
    args, base = request.args, url_for("views.search")
    context = dict(args=args, languages=s.config.corpus.languages, language_names=LANGUAGE_NAMES,
                   facet_params=FACET_PARAMS, facet_titles=FACET_TITLES, examples=EXAMPLE_QUERIES,
                   toggle=lambda p, v: _toggle(base, args, p, v),
                   url_with=lambda **c: _url_with(base, args, **c), response=None, error=None,
                   mode=args.get("mode") or s.config.search.default_mode,
                   translator=s.translator, reader_language=_reader_language(s),
                   xlang=s.config.translation.query_translation)
    if not args.get("q", "").strip():
        return render_template("search.html", **context)
    try:
        req = search_request(args, s.config)
    except InvalidParameter as exc:
        context["error"] = str(exc)
        return render_template("search.html", **context), 400
    req.translate = context["reader_language"]
    context.update(response=s.search(req), request_=req, mode=req.mode,
                   xlang=context["xlang"] if req.xlang is None else req.xlang)
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
    reader_lang = _reader_language(s)
    also = (s.query_translation(parsed, None).trees(s.config.translation.query_boost)
            if reader_lang else {})
    terms = index.keyword.terms_of(parsed.tree, also) if not parsed.empty else {}
    try:
        hit = int(request.args.get("p", ""))
    except ValueError:
        hit = None
    passages = index.store.passages_of(doc_id)
    mentions = index.store.mentions_of(doc_id)
    first = date_span(doc.published)[0]
    others, count = index.store.story_others(doc.story_id, doc_id, STORY_LISTED)
    story = [(d, day_difference(date_span(d.published)[0], first)) for d in others]
    window = None
    if "translate" in request.args and reader_lang:
        size = s.config.translation.document_window
        start = window_start(check_int("from", request.args.get("from"), None, 0, 10**6),
                             hit, size)
        window = translate_window(s.translator, passages, reader_lang, start, size, terms,
                                  doc.title)
    return render_template("document.html", doc=doc, query=query, hit=hit,
                           segments=segments(doc, passages, terms, mentions),
                           names=top_names(mentions), story=story, story_others=count,
                           name_search=name_search,
                           language_names=LANGUAGE_NAMES, reader_language=reader_lang,
                           languages=s.config.corpus.languages, translator=s.translator,
                           window=window)
