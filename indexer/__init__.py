"""newsdesk's engine: one subpackage per stage of a document's way through the system.

    ingest/     archive files            -> cleaned documents and passages, language-tagged
    index/      passages                 -> an index generation on disk (and reading it back)
    translate/  texts in one language    -> machine translations (engine, cache)
    search/     a query and filters      -> ranked hits with snippets and facets
    export/     a search or a query list -> CSV, JSONL and XLSX files
    evaluation/ labelled test sets       -> retrieval quality reports

`config.py` (settings), `models.py` (the records passed between stages), `dates.py`
(partial publication dates and their range rule) and `cli.py` (the `newsdesk`
command) are shared by all of them. A stage imports only from the stages above it
in this list, never from one below; the web app (`webapp/`) sits on top of them all.
"""
