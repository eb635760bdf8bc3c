"""`newsdesk eval`: retrieval quality of keyword, semantic and hybrid search on labelled sets."""
