"""`newsdesk eval`: retrieval quality of keyword, semantic and hybrid search on labelled sets.

Takes the public test sets of `../shared/eval` (`datasets`); indexes each with the
production pipeline (`runner`, caching indexes and embeddings in `cache`), ranks every
query with `Searcher.rank`, and scores the rankings (`metrics`) into Markdown and
JSON reports (`report`). `command` is the subcommand.
"""
