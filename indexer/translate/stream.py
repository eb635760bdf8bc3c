"""One line of text in Apertium's stream format, and its translation back out of it.

In: reserved characters backslash-escaped, and names (`C11`, `C-More`, `iPhone`, the
caller's `names`) replaced by placeholder words no dictionary knows (`Zxqa`): Apertium
passes an unknown word through, and its rules treat it as a noun, so the sentence
around a name is translated as if the name were there, and the name comes back as
written. (A superblank would keep the name too, but the rules then lose the noun:
`la C-More arriverà` came out as `will arrive C-More it`.)

Out: a word the second leg could not translate comes out as it went in, so a word of
the pivot that the second leg's analyser does not know (`hito`) would be left in the
translation. Unknown words the source also has are the source's own (the first leg
passes its unknown words through), and a pivot word that is also a word of the target
language (`furioso`) can stay. For any other, the line goes through the first leg once
more with each token in a word-bound blank, `[[s:N]]token[[/]]`, which Apertium carries
onto whatever the token becomes: the blank around `hito` names token N, `milestone`,
which takes its place. Only those lines are aligned, because the blanks keep multiword
expressions (`of course`, `United Nations`) from matching, which costs chrF; and the
last leg runs without Apertium's own unknown-word marks, which break its elisions
(`i #Stati Uniti` for `gli Stati Uniti`). A pivot word that still cannot be traced is
shown marked, `*hito`, never bare.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_RESERVED = re.compile(r"([\[\]\^\$\\/@<>{}])")
_EDGES = re.compile(r"(\W*)(.*?)(\W*)", re.S)  # token -> leading punctuation, word, trailing
# C11, 5G, ID.3, COVID-19; iPhone, McLaren; C-More, Mercedes-Benz
_PRODUCT = re.compile(r"\d.*[A-Z]|[A-Z].*\d|[a-z][A-Z]|[A-Z]\w*-[A-Z]")
_SENTENCE_END = re.compile(r"[.!?:;…]\W*$")
_WORD = re.compile(r"\w+")
_APOSTROPHE = re.compile(r"['’]")
_PLACEHOLDER = re.compile(r"\bZxq([a-z]+)\b", re.I)
_ALIGNED = re.compile(r"\[\[(s:[^\]]*)\]\](.*?)\[\[/\]\]")
_UNKNOWN = re.compile(r"\^((?:[^/$\\]|\\.)*)/\*")  # lt-proc -a: ^hito/*hito$

Pivot = list[tuple[frozenset[int], list[str]]]  # source tokens -> the pivot words they became


def is_name(word: str, names: Collection[str] = (), initial: bool = False) -> bool:
    """Whether a word stays as written: it looks like a product name, or it is one of the
    caller's names and does not start a sentence (where any word is capitalised)."""
    return bool(_PRODUCT.search(word)) or (not initial and word in names)


def placeholder(index: int) -> str:
    """A word of letters only (digits would split it) that stands for token `index`."""
    letters = ""
    while True:
        index, digit = divmod(index, 26)
        letters += chr(ord("a") + digit)
        if not index:
            return "Zxq" + letters


def _placeholder_index(letters: str) -> int:
    return sum((ord(c) - ord("a")) * 26 ** n for n, c in enumerate(letters.lower()))


def _word(token: str) -> str:
    """The token without its leading and trailing punctuation."""
    return _EDGES.fullmatch(token).group(2)


def _bare(token: str) -> str:
    """The token's word without an elided article or a possessive: `l'interdipendenza`
    -> `interdipendenza`, `Sainsbury's` -> `Sainsbury`."""
    return max(_APOSTROPHE.split(_word(token)), key=len)


def _unformat(stream: str) -> str:
    """Apertium stream format -> plain text: unescape, drop superblank brackets."""
    out, i, n = [], 0, len(stream)
    while i < n:
        c = stream[i]
        if c == "\\" and i + 1 < n:
            out.append(stream[i + 1])
            i += 2
            continue
        if c not in "[]":
            out.append(c)
        i += 1
    return " ".join("".join(out).split())


def unknown_words(analysis: str) -> set[str]:
    """The words an analyser (`lt-proc -a`) did not know, case-folded."""
    return {_unformat(w).casefold() for w in _UNKNOWN.findall(analysis)}


def word_list(words: Collection[str]) -> str:
    """Words in stream format, for an analyser to look up."""
    return " ".join(_RESERVED.sub(r"\\\1", w) for w in sorted(words)) + "[]"


def pivot_words(aligned: str) -> Pivot:
    """The first leg's output for an aligned line: the pivot words each token became."""
    units: dict[frozenset[int], list[str]] = {}
    for blank, text in _ALIGNED.findall(aligned):
        tokens = frozenset(int(b[2:]) for b in blank.split("; ") if b.startswith("s:"))
        units.setdefault(tokens, []).extend(w.casefold() for w in _WORD.findall(text))
    return list(units.items())


@dataclass
class Line:
    """One line of source text (no newline inside), split on white space."""

    tokens: list[str]
    names: dict[int, str]  # token index -> the name its placeholder stands for
    words: set[str]  # the source's words, case-folded

    @classmethod
    def read(cls, text: str, names: Collection[str] = ()) -> Line:
        tokens = text.replace("\0", " ").split()
        kept, initial = {}, True
        for i, token in enumerate(tokens):
            word = _word(token)
            if word and is_name(word, names, initial):
                kept[i] = word
            initial = bool(_SENTENCE_END.search(token))
        words = {w.casefold() for w in _WORD.findall(" ".join(tokens))}
        return cls(tokens, kept, words)

    def stream(self, aligned: bool = False) -> str:
        """The line in stream format; `aligned`: each token in its word-bound blank."""
        parts = []
        for i, token in enumerate(self.tokens):
            if i in self.names:
                token = token.replace(self.names[i], placeholder(i), 1)
            token = _RESERVED.sub(r"\\\1", token)
            parts.append(f"[[s:{i}]]{token}[[/]]" if aligned else token)
        return " ".join(parts) + "[]"

    def leaks(self, unknown: set[str]) -> set[str]:
        """Of the pivot words the second leg does not know, those not from the source."""
        return {w for w in unknown - self.words
                if len(w) > 1 and not _PLACEHOLDER.fullmatch(w)}  # "º" of "29.º" is no word

    def plain(self, stream: str, leaks: Collection[str] = (), aligned: str = "") -> str:
        """The last leg's output as plain text: names put back, and each of the `leaks`
        replaced by the source words it came from, found in the first leg's `aligned`
        output of this line."""
        text = _PLACEHOLDER.sub(self._name, _unformat(stream))
        if not leaks:
            return text
        pivot = pivot_words(aligned)
        return _WORD.sub(lambda m: self._traced(m[0], pivot) if m[0].casefold() in leaks
                         else m[0], text)

    def _name(self, match: re.Match) -> str:
        return self.names.get(_placeholder_index(match[1]), match[0])

    def _traced(self, word: str, pivot: Pivot) -> str:
        """The source words a pivot word came from: the word at its place when the tokens
        have as many words as they became (`vegan-friendly` -> `vegana-amigable`), else
        all of them; marked when it came from none."""
        folded = word.casefold()
        for tokens, words in pivot:
            if folded in words:
                pieces = [w for i in sorted(tokens) for w in _WORD.findall(self.tokens[i])]
                if len(pieces) == len(words):
                    return pieces[words.index(folded)]
                return " ".join(_bare(self.tokens[i]) for i in sorted(tokens))
        return "*" + word
