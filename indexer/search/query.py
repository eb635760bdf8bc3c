"""Reading what a journalist typed into a query the engines can run.

Supported: words, "exact phrases", AND / OR / NOT, parentheses, `title:`,
`section:`, `name:` and `figure:` fields (`name:"Zhu Jiangming"`: passages naming
him), and a trailing `*` after at least `min_prefix_chars` letters.
Nothing here raises on user input: malformed syntax (`AND (`, `"unclosed`,
`title:`) falls back to the plain words with a notice saying so, and anything
that could scan the whole index (lone or leading wildcards, thousands of terms)
is cut down with a notice.

The result is a Whoosh query over the *virtual* fields (`title`, `section`, `body`,
`name`, `figure`); the keyword index expands it into its per-language fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import qparser, query as wq
from whoosh.fields import TEXT, Schema

from ..config import SearchConfig
from ..index.keyword.analyzers import analyze, query_word_analyzer

FIELDS = ("title", "section", "name", "figure")
OPERATORS = ("AND", "OR", "NOT")
_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_FIELD_PREFIX = re.compile(r"^(\w+):(.*)$")


@dataclass
class ParsedQuery:
    text: str  # the query as searched (after any truncation)
    tree: wq.Query | None  # over the virtual fields; None when nothing is left to search
    semantic_text: str  # words for the embedding model, syntax and NOT-ed words removed
    notices: list[str] = field(default_factory=list)
    # for query translation: the loose words (semantic_text less the quoted phrases) and
    # the phrases, each translated whole and searched as a phrase, never as loose words
    translatable_text: str = ""
    phrases: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.tree is None


def _syntax_problem(tokens: list[str], text: str) -> str | None:
    """Why the query's syntax cannot be read as written, or None."""
    if text.count('"') % 2:
        return "a quotation mark is not closed"
    depth = 0
    for tok in tokens:
        depth += (tok == "(") - (tok == ")")
        if depth < 0:
            return "a closing parenthesis has no opening one"
    if depth:
        return "a parenthesis is not closed"
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok in ("AND", "OR"):
            if prev is None or prev in OPERATORS or prev == "(":
                return f"{tok} needs a word before it"
            if nxt is None or nxt in OPERATORS and nxt != "NOT" or nxt == ")":
                return f"{tok} needs a word after it"
        elif tok == "NOT" and (nxt is None or nxt in OPERATORS or nxt == ")"):
            return "NOT needs a word after it"
        else:
            m = _FIELD_PREFIX.match(tok)
            if (m and m.group(1).lower() in FIELDS and not m.group(2)
                    and not (nxt and (nxt == "(" or nxt.startswith('"')))):
                return f"{m.group(1)}: needs a word after it"
    return None


def _clean_wildcards(tokens: list[str], min_prefix: int, max_prefixes: int,
                     notices: list[str]) -> list[str]:
    """Keep up to max_prefixes `word*` prefixes of min_prefix+ letters; drop every other * and ?.

    Each prefix expands to up to 64 terms in six fields: 32 of them took 2-3 s on
    5,000 passages, growing with the index.
    """
    out, dropped, extra = [], [], []
    for tok in tokens:
        if tok.startswith('"'):
            cleaned = tok.replace("*", " ").replace("?", " ")
        elif "*" in tok or "?" in tok:
            m = _FIELD_PREFIX.match(tok)
            prefix, body = (m.group(1) + ":", m.group(2)) if m else ("", tok)
            stem = body.rstrip("*")
            if (body.endswith("*") and "*" not in stem and "?" not in stem
                    and len(_WORD.findall(stem)) == 1 and len(stem) >= min_prefix
                    and _WORD.fullmatch(stem)):
                cleaned = tok.rstrip("*") + "*"
                if sum(t.endswith("*") for t in out) >= max_prefixes:
                    cleaned = tok.rstrip("*")
                    extra.append(tok)
            else:
                cleaned = prefix + body.replace("*", " ").replace("?", " ").strip()
                if "*" in body:
                    dropped.append(tok)
            if cleaned.endswith(":"):
                cleaned = ""
        else:
            cleaned = tok
        if cleaned.strip():
            out.append(cleaned)
    if dropped:
        notices.append(
            f"Wildcards need at least {min_prefix} letters before a final * "
            f"(for example veic*); ignored: {' '.join(dropped)}")
    if extra:
        notices.append(f"At most {max_prefixes} wildcards per query; searched as plain "
                       f"words: {' '.join(extra)}")
    return out


def _join(tokens: list[str]) -> str:
    """Tokens back into a query string, keeping `title:` glued to its `(` or phrase."""
    out = ""
    for tok in tokens:
        glued = out.endswith(":") and _FIELD_PREFIX.match(out.rsplit(" ", 1)[-1])
        out += tok if (not out or glued) else " " + tok
    return out


def _without_bare_negations(q: wq.Query) -> wq.Query | None:
    """Rewrite `a OR NOT b` as `a ANDNOT b`; None if only negations are left.

    A NOT inside an OR (or alone) would match every passage without the word, i.e.
    scan and return the whole index.
    """
    if isinstance(q, wq.Not):
        return None
    if isinstance(q, wq.Or):
        positives, negatives = [], []
        for child in q.subqueries:
            if isinstance(child, wq.Not):
                negatives.append(child.query)
            else:
                fixed = _without_bare_negations(child)
                if fixed is not None:
                    positives.append(fixed)
        if not positives:
            return None
        base = wq.Or(positives, boost=q.boost, scale=getattr(q, "scale", None))
        return wq.AndNot(base, wq.Or(negatives)) if negatives else base
    if isinstance(q, wq.And):
        kids = [c if isinstance(c, wq.Not) else _without_bare_negations(c) for c in q.subqueries]
        kids = [k for k in kids if k is not None]
        if all(isinstance(k, wq.Not) for k in kids):
            return None
        return wq.And(kids, boost=q.boost)
    return q


def _plain_words(text: str) -> list[str]:
    words = []
    for tok in _TOKEN.findall(text):
        m = _FIELD_PREFIX.match(tok)
        tok = m.group(2) if m and m.group(1).lower() in FIELDS else tok
        if tok not in OPERATORS:  # (an operator glued to other text is a plain word)
            words.extend(w.lower() if w in OPERATORS else w for w in _WORD.findall(tok))
    return words


def _positive_terms(tokens: list[str]) -> list[str]:
    """The query's words and "quoted phrases", without syntax, fields or NOT-ed words."""
    words, skip_next = [], False
    for tok in tokens:
        if tok == "NOT":
            skip_next = True
            continue
        if tok in OPERATORS or tok in "()":
            continue
        if skip_next:
            skip_next = tok == "("  # skip a whole NOT (...) group's first word only
            continue
        m = _FIELD_PREFIX.match(tok)
        if m and m.group(1).lower() in FIELDS:
            tok = m.group(2)
        if tok.strip('"*'):
            words.append(tok)
    return words


_NAME_LIKE = re.compile(r"\w*\d\w*|[A-Z]{2,}|\w+[A-Z]\w*|\w+-\w+")  # C11, IT, iPhone, C-More


def _only_common_words(terms: list[str], languages: list[str]) -> list[str]:
    """The query's words if the keyword index leaves each out in some language, at least one
    being a stop word (the, of, il, di) rather than a single character; else []. A prefix
    (`the*`) and a word written as a name (`IT`, `C-More`, `iPhone`) are never common:
    the keyword index may hold nothing for them, but their meaning is searched."""
    if any(t.endswith("*") or _NAME_LIKE.search(t.strip('"')) for t in terms):
        return []
    words = [w.lower() for t in terms for w in _WORD.findall(t)]
    if (all(len(w) < 2 for w in words)
            or not all(any(not analyze(lang, w) for lang in languages) for w in words)):
        return []
    return list(dict.fromkeys(words))


def _parsed(text: str, tree: wq.Query, tokens: list[str], notices: list[str]) -> ParsedQuery:
    terms = _positive_terms(tokens)
    loose = [t.strip('"*') for t in terms if not t.startswith('"')]
    phrases = [t.strip('"*') for t in terms if t.startswith('"')]
    return ParsedQuery(text, tree, " ".join(t.strip('"*') for t in terms), notices,
                       " ".join(loose), phrases)


class QueryReader:
    """Parses query strings for one search configuration; reusable across threads.

    `languages`: the index's; a query of only their stop words is refused with a notice
    (the keyword index holds none of them, and their meaning matches anything)."""

    def __init__(self, config: SearchConfig, languages: list[str] | tuple[str, ...] = ()):
        self.config = config
        self.languages = list(languages)
        word = TEXT(analyzer=query_word_analyzer(), phrase=True)
        schema = Schema(body=word, **{name: word for name in FIELDS})
        group = qparser.AndGroup if config.default_operator == "and" else qparser.OrGroup.factory(0.9)
        parser = qparser.QueryParser("body", schema, group=group)
        for plugin in (qparser.WildcardPlugin, qparser.SingleQuotePlugin, qparser.RangePlugin,
                       qparser.BoostPlugin, qparser.EveryPlugin):
            parser.remove_plugin_class(plugin)
        parser.add_plugin(qparser.PrefixPlugin())
        self._parser = parser

    def _parse(self, text: str) -> wq.Query | None:
        """Whoosh's parse; None where it crashes (it did on operator runs like `NOT NOT x`)."""
        try:
            return self._parser.parse(text).normalize()
        except Exception:
            return None

    def parse(self, text: str) -> ParsedQuery:
        cfg = self.config
        notices: list[str] = []
        text = " ".join((text or "").split())
        if len(text) > cfg.max_query_chars:
            text = text[:cfg.max_query_chars]
            notices.append(f"The query was cut to its first {cfg.max_query_chars} characters.")
        tokens = _clean_wildcards(_TOKEN.findall(text), cfg.min_prefix_chars,
                                  cfg.max_wildcards, notices)
        problem = _syntax_problem(tokens, _join(tokens))
        words = _plain_words(_join(tokens))
        if len(words) > cfg.max_query_terms:
            notices.append(f"The query has {len(words)} words; searched for the first "
                           f"{cfg.max_query_terms}.")
            tokens = words[:cfg.max_query_terms]
        elif problem:
            notices.append(f"Could not read the query syntax ({problem}); "
                           f"searched for the words instead.")
            tokens = words
        if not tokens:
            if text:
                notices.append("Nothing searchable is left in the query.")
            return ParsedQuery(text, None, "", notices)
        tree = self._parse(_join(tokens))
        if tree is None:
            notices.append("Could not read the query syntax; searched for the words instead.")
            tokens = words[:cfg.max_query_terms]
            tree = self._parse(_join(tokens)) or wq.NullQuery
        if tree is wq.NullQuery or isinstance(tree, wq.NullQuery.__class__):
            notices.append("Nothing searchable is left in the query.")
            return ParsedQuery(text, None, "", notices)
        tree = _without_bare_negations(tree)
        if tree is None:
            notices.append("NOT only excludes: add words to search for, e.g. stellantis NOT opel.")
            return ParsedQuery(text, None, "", notices)
        common = _only_common_words(_positive_terms(tokens), self.languages)
        if common:
            notices.append(f"The query has only common words ({', '.join(common)}), which are "
                           f"not searched: add a word that says what you are looking for.")
            return ParsedQuery(text, None, "", notices)
        return _parsed(text, tree, tokens, notices)
