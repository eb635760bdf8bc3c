"""Export: every hit of a search, or the top hits of many queries -> CSV, JSONL or XLSX.

Takes a `Searcher` and a query (or a list of queries); gives a stream of file chunks
in bounded memory, with formulas neutralised.

Public face: `plan.plan_export` / `export_stream`, `batch.BatchPlan` / `read_queries`,
`rows.RowBuilder` / `COLUMNS`, `formats.FORMATS` / `MEDIA_TYPES`; `command` is
`newsdesk export` and `newsdesk batch`.
"""
