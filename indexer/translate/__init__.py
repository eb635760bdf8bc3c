"""Machine translation: texts in one language -> the same texts in another.

Takes batches of plain text and two language codes; gives one translation per text.
Knows nothing of search: `indexer.search` uses it for queries and snippets, the web
app for documents.

Public face: `interface.Translator` and its errors, `backends.load_translator` (the
configured engine, cached), `cache.CachedTranslator` / `TranslationCache`,
`apertium.ApertiumTranslator`; `evaluate` and `command` are `newsdesk translate-eval`.
"""
