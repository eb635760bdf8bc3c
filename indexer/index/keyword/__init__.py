"""The keyword index: per-language analyzed fields, behind one small interface.

`interface` says what every engine returns; `tantivy_index.TantivyIndex` is the default
engine and `whoosh_index.KeywordIndex` the Whoosh one (`engines` picks); `analyzers` holds
the per-language analysis chains (tokenizer | lowercase | elision | stop words |
Snowball stemmer) that index and query text go through, `highlight` marks the forms a
query matched in a text, and `word_forms` keeps what the chains made of an archive's
words with its generation.
"""
