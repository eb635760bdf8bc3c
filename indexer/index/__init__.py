"""The index on disk: passages -> one generation folder, written whole, swapped atomically.

Takes the passages of `ingest`; gives a generation with `store.sqlite` (documents with
their stories, passages, offsets, names and figures), `keyword/` (the keyword engine)
and `vectors.f32` (embeddings), and reads it back for searching. This package alone owns
that format. `stories` groups documents telling one story as a build ends.

Public face: `build.build_index` (writing), `reader.IndexHandle` / `Index` (reading the
live generation), `generations` (the atomic pointer and build lock), `embedders`
(`load_embedder`, shared with search), `keyword/` and `vectors` (the two indexes),
`store.Store`; `command` is `newsdesk index`.
"""
