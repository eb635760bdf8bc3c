"""Ingestion: an archive's files -> clean, language-tagged documents split into passages.

Takes folders of .txt/.md/.html files (with optional `manifest.toml`) and .jsonl
dumps; gives `SourceDocument`s, then `Document`s and `Passage`s (`indexer.models`)
and a `Skipped` record for every file or line it could not use.

Public face: `sources.read_corpus` / `source_signature`, `cleaning.clean` / `assemble`,
`language.LanguageDetector`, `passages.split_passages` / `split_sentences`,
`names.extract_mentions` / `name_key` (names and figures), `evidence.evidence_of` (what
story grouping compares), and `prepare.prepare`, all of them for one document (what a
build runs here or on a cluster).
"""
