"""Turning raw text or HTML into clean headings and paragraphs.

Markup goes through Python's HTML parser, in one linear pass (scripts, styles,
comments and form controls are dropped, never rendered); markdown emphasis and links are unwrapped; tabs between table cells
become " | "; text is NFC-normalised and whitespace collapsed, paragraph breaks
kept. Headings are recognised in wiki (`== History ==`), markdown (`# Title`),
numbered (`3.2.3 Energy Use`) and HTML (`<h2>`) form; a heading with nothing under
it is dropped.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from html.parser import HTMLParser

import regex

from ..models import Block

PARAGRAPH_SEPARATOR = "\n\n"
_HEADING_MARK = "\ue000"  # private-use character: marks an HTML heading line
MAX_HEADING_WORDS = 40  # an h1-h6 longer than this was left open: its text is a paragraph
# Dropped with their content. Not <form>: some sites wrap the whole page in one.
_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "object", "embed",
              "svg", "canvas", "button", "select", "textarea", "meta", "link"]
_VOID_TAGS = {"embed", "meta", "link"}
_DROP_TAG = re.compile(r"<(/?)(" + "|".join(t for t in _DROP_TAGS if t not in _VOID_TAGS)
                       + r")\b[^<>]{0,4096}>", re.IGNORECASE)
_BLOCK_TAGS = ["p", "div", "section", "article", "header", "footer", "aside", "nav",
               "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table",
               "thead", "tbody", "tr", "figure", "figcaption", "main", "address"]
_STRAY_TAG = re.compile(
    r"<\s*/?\s*(?:ul|ol|li|i|b|u|em|strong|p|div|span|br|hr|table|tr|td|th|a|sup|sub|"
    r"h[1-6]|script|style|img|font|center|small|big)\b[^<>]{0,4096}>|<!--", re.IGNORECASE)
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|mailto:[^<>\s]+)>")
_WIKI_HEADING = re.compile(r"^(={2,6})\s*(.*?)\s*\1$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
# Unnumbered top-level headings of reports (English, Italian): alone on their line they
# start a new section at the rank of a numbered "5.2" (level 2), so the numbered section
# before them does not run on, and numbered ones after them are not nested under them.
_TOP_LEVEL_HEADINGS = frozenset(h.casefold() for h in (
    "Appendix", "Appendices", "Annex", "Annexes", "About this Report", "About the Report",
    "Glossary", "References", "Methodology", "Index",
    "Appendice", "Allegato", "Allegati", "Nota metodologica", "Glossario", "Indice"))
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,4})\.?\s+(\S.{0,120})$")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]*)\)")
_SPACES = re.compile(r"[^\S\n\t]{2,}|[^\S\n\t ]")  # lone spaces need no rewrite
_TABS = re.compile(r"\s*\t[\t ]*")
# A "<" with no ">" before the next "<" (or within 4 KB) cannot open a tag. Python's
# html.parser rescans the rest of the text for each one (quadratic: 130 KB of
# "<a word word ..." took 14 s), so they are escaped before parsing.
_UNCLOSED_LT = re.compile(r"<(?![^<>]{0,4096}>)")
_HEADING_TAG = re.compile(r"^h[1-6]$")
_TITLE_END = re.compile(r"</title\s*>", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;:…\"”»)\]]$")
# Unicode "other" characters (controls, format, surrogates, private use, unassigned) but
# newline, tab and our heading mark. The `regex` module does this ~30x faster than a
# per-character loop, which matters for multi-megabyte documents.
_CONTROL = regex.compile(r"[\p{C}--[\n\t" + _HEADING_MARK + r"]]+", regex.V1)


def normalize_text(text: str) -> str:
    """NFC, unified newlines, no control characters, collapsed spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text.replace("\u00a0", " "))


def _escape_unclosed_drop_tags(markup: str) -> str:
    """Escape a <script>, <svg>, ... that is never closed, so it shows as text.

    The parser would give it the rest of the document, and dropping it would lose
    everything after a stray "<script>" in an article about web security.
    """
    open_at: dict[str, list[int]] = {}
    for m in _DROP_TAG.finditer(markup):
        name = m.group(2).lower()
        if m.group(1):
            if open_at.get(name):
                open_at[name].pop()
        elif not m.group(0).endswith("/>"):
            open_at.setdefault(name, []).append(m.start())
    unclosed = sorted(pos for positions in open_at.values() for pos in positions)
    if not unclosed:
        return markup
    parts, last = [], 0
    for pos in unclosed:
        parts += [markup[last:pos], "&lt;"]
        last = pos + 1
    return "".join(parts) + markup[last:]


class _TextExtractor(HTMLParser):
    """The text of markup in one pass over the parser's events, never building a tree.

    (Editing a BeautifulSoup tree, as this did before, costs a scan of the siblings
    per edit: a page of 8,000 paragraphs took 6 s, 80,000 would take ten minutes.) `structural` (real
    HTML) turns blocks into lines and h1-h6 into heading lines.
    """

    def __init__(self, structural: bool, title_closed: bool):
        super().__init__(convert_charrefs=True)
        self.structural, self.title_closed = structural, title_closed
        self.out: list[str] = []
        self.dropped: list[str] = []  # open _DROP_TAGS elements: their content is dropped
        self.heading: tuple[int, list[str]] | None = None
        self.in_title = False
        self.pre_depth = 0
        self.open: Counter[str] = Counter()  # open blocks and headings (stray end tags ignored)

    def _emit(self, text: str) -> None:
        (self.heading[1] if self.heading else self.out).append(text)

    def _end_heading(self, as_text: bool = False) -> None:
        level, parts = self.heading
        self.heading = None
        title = " ".join(" ".join(parts).split())
        if as_text or len(title.split()) > MAX_HEADING_WORDS:  # swallowed what followed
            self.out.append(f"\n{''.join(parts)}\n")
        else:
            self.out.append(f"\n{_HEADING_MARK}{level}{title}\n" if title else "\n")

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_TAGS and tag not in _VOID_TAGS:
            self.dropped.append(tag)
        if self.dropped or tag in _DROP_TAGS:
            return
        self.pre_depth += tag == "pre"
        if tag == "title":
            self.in_title = self.title_closed  # an unclosed one swallowed the page: keep it
        elif tag in ("br", "hr"):
            self._emit("\n" if self.structural and not self.heading else " ")
        elif not self.structural:
            return
        elif _HEADING_TAG.match(tag):
            if self.heading:
                self._end_heading(as_text=True)
            self.open[tag] += 1
            self.out.append("\n")
            self.heading = (int(tag[1]), [])
        elif tag in _BLOCK_TAGS:
            if self.heading:
                self._end_heading(as_text=True)
            self.open[tag] += 1
            self.out.append("\n")
        elif tag in ("td", "th"):
            self._emit("\t")

    def handle_endtag(self, tag):
        if self.dropped:
            if tag in self.dropped:  # (closes any dropped element left open inside it)
                del self.dropped[len(self.dropped) - 1 - self.dropped[::-1].index(tag):]
            return
        self.pre_depth -= tag == "pre" and self.pre_depth > 0
        if tag == "title":
            self.in_title = False
        elif not self.structural or not self.open[tag]:
            return
        self.open[tag] -= 1
        if self.heading:  # its own end tag, or an outer one that closes it too
            self._end_heading()
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data):
        if self.dropped or self.in_title:
            return
        if not data.strip(" \t\n\r\f") and not self.pre_depth:
            data = "\n" if "\n" in data else " "  # whitespace between tags: one separator
        self._emit(data)

    def unknown_decl(self, data):
        if data.startswith("CDATA["):
            self.handle_data(data[6:])

    def text(self) -> str:
        if self.heading:
            self._end_heading()
        return "".join(self.out)


def _markup_text(markup: str, structural: bool) -> str:
    """Text of markup: scripts, styles, comments and form controls dropped, entities decoded."""
    parser = _TextExtractor(structural, title_closed=_TITLE_END.search(markup) is not None)
    parser.feed(_escape_unclosed_drop_tags(_UNCLOSED_LT.sub("&lt;", markup)))
    parser.close()
    return parser.text()


class _TitleFinder(HTMLParser):
    """The text of the first <title> and of the first <h1>."""

    def __init__(self, title_closed: bool):
        super().__init__(convert_charrefs=True)
        self.title_closed = title_closed
        self.title: list[str] | None = None
        self.h1: list[str] | None = None
        self.open: str | None = None  # "title" or "h1" while collecting its text

    def handle_starttag(self, tag, attrs):
        if self.open == "title" and not self.title_closed:
            self.open = None  # an unclosed <title>: its text ends at the next tag
        elif tag == "title" and self.title is None:
            self.title, self.open = [], "title"
        elif tag == "h1" and self.h1 is None and self.open is None:
            self.h1, self.open = [], "h1"

    def handle_endtag(self, tag):
        if tag == self.open:
            self.open = None

    def handle_data(self, data):
        if self.open:
            (self.title if self.open == "title" else self.h1).append(data)


def html_title(markup: str) -> str:
    """The <title> (or first <h1>) of an HTML page, or ''."""
    finder = _TitleFinder(title_closed=_TITLE_END.search(markup) is not None)
    finder.feed(_escape_unclosed_drop_tags(_UNCLOSED_LT.sub("&lt;", markup)))
    finder.close()
    for parts in (finder.title, finder.h1):
        text = " ".join(" ".join(parts or []).split())
        if text:
            return text
    return ""


def _unwrap_markdown(line: str) -> str:
    if "*" not in line and "_" not in line and "[" not in line:
        return line
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_BOLD.sub(r"\2", line).replace("**", "")  # unpaired markers are debris
    return _MD_ITALIC.sub(r"\1", line)


def _heading(line: str) -> tuple[int, str] | None:
    if line.startswith(_HEADING_MARK):
        return int(line[1]), line[2:].strip()
    for pattern in (_WIKI_HEADING, _MD_HEADING):
        m = pattern.match(line)
        if m:
            return len(m.group(1)) - (1 if pattern is _WIKI_HEADING else 0), m.group(2).strip()
    if line.casefold() in _TOP_LEVEL_HEADINGS:
        return 2, line
    m = _NUMBERED_HEADING.match(line)
    if m:
        title = m.group(2)
        words = title.split()
        if ((title[0].isupper() or title[0].isdigit()) and len(words) <= 12 and not title.endswith((".", ";", ","))
                and "|" not in title):
            return m.group(1).count(".") + 1, f"{m.group(1)} {title}"
    return None


def _lines_to_blocks(text: str, markdown: bool) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []  # lines of the last paragraph while the next line may continue it

    def close():
        if lines:
            blocks[-1].text = " ".join(lines)  # joined once: linear however long it gets
            lines.clear()

    for raw_line in text.split("\n"):
        line = _TABS.sub(" | ", raw_line).strip(" |") if "\t" in raw_line else raw_line.strip()
        if not line:
            close()  # a blank line ends the paragraph
            continue
        heading = _heading(line)
        if heading:
            level, title = heading
            if title:
                close()
                blocks.append(Block("heading", _unwrap_markdown(title), level))
            continue
        if markdown:
            line = _unwrap_markdown(line)
            line = re.sub(r"^[-*+]\s+", "• ", line)
        if lines and not _SENTENCE_END.search(lines[-1]) and line[:1].islower():
            lines.append(line)  # a hard-wrapped line continues its paragraph
        else:
            close()
            blocks.append(Block("paragraph", line))
            lines.append(line)
    close()
    return blocks


def _drop_empty_headings(blocks: list[Block]) -> list[Block]:
    """Drop headings with no paragraph before the next heading of the same or higher rank."""
    keep = [True] * len(blocks)
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        keep[i] = False
        for later in blocks[i + 1:]:
            if later.kind == "paragraph":
                keep[i] = True
                break
            if later.level <= block.level:
                break
    return [b for b, k in zip(blocks, keep) if k]


def clean(raw: str, is_html: bool) -> list[Block]:
    """Raw document text -> headings and paragraphs, with offsets into `assemble`'s text."""
    text = normalize_text(raw)
    if is_html:
        text = _markup_text(text, structural=True)
    elif _STRAY_TAG.search(text):
        text = _markup_text(_AUTOLINK.sub(r"\1", text), structural=False)
    text = normalize_text(text)
    blocks = _drop_empty_headings(_lines_to_blocks(text, markdown=not is_html))
    offset = 0
    for block in blocks:
        block.start, block.end = offset, offset + len(block.text)
        offset = block.end + len(PARAGRAPH_SEPARATOR)
    return blocks


def assemble(blocks: list[Block]) -> str:
    """The cleaned document text: blocks separated by blank lines."""
    return PARAGRAPH_SEPARATOR.join(b.text for b in blocks)
