"""The keyword index: per-language analyzed fields, behind one small interface.

`interface` says what every engine returns; `whoosh_index.KeywordIndex` is the Whoosh
engine; `analyzers` holds the per-language analysis chains (tokenizer | lowercase |
elision | stop words | Snowball stemmer) that index and query text go through.
"""
