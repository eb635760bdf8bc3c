"""Search: a query and filters -> ranked hits with highlighted snippets and facets.

Takes what a journalist typed (or an API call) and an open index (`indexer.index`);
gives a `SearchResponse` of `Hit`s. The query is parsed (`query`), optionally
translated into the other languages (`query_translation`), run on the keyword and
vector indexes, fused (`fusion`), and each hit gets its snippet (`snippets`) and its
translation into the reader's language (`translated_snippets`).

Public face: `searcher.Searcher` / `SearchRequest` / `Hit`, `validation` (parameter
checks shared by every front end), `query.QueryReader`; `command` is `newsdesk search`.
"""
