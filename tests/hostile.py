"""A corpus whose every field tries to inject markup or script, and the pages that show it.

Each payload, if it ever ran, would set `window.__pwned` (one also the document
title to PWNED), so a browser test can tell. Shared by the static XSS checks and the browser checks.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

TOPIC = "zanzibartopic"  # a word every hostile document contains, to find them all

MANIFEST = r'''
[[document]]
file = "manifest-fields.txt"
title = "<script>window.__pwned='manifest title'</script>Title \"quoted\" & 'single'"
source = "<img src=x onerror=\"window.__pwned='manifest source'\">Evil Source"
kind = "<b onmouseover=\"window.__pwned='manifest kind'\">news</b>"
published = "2024-05-01"
url = "javascript:window.__pwned='manifest url'"
'''

MANIFEST_FIELDS_TXT = f"""Plain text document

## <img src=x onerror="window.__pwned='markdown heading'"> Section one

This {TOPIC} report mentions &lt;script&gt;window.__pwned='entity text'&lt;/script&gt; and the
string javascript:window.__pwned='bare url' in passing, and a {{{{7*7}}}} template.

== <svg onload="window.__pwned='wiki heading'"> ==

More {TOPIC} text under a wiki heading, with enough words to become a passage of its own
when the splitter runs over it, about harbours, ferries and the weather at sea.
"""

HTML_PAGE = f"""<!doctype html><html><head>
<title>&lt;/title&gt;&lt;script&gt;window.__pwned='title entity'&lt;/script&gt; Harbour</title>
<script>window.__pwned = 'script tag'; document.title = 'PWNED';</script></head>
<body><h1>Ferry strike</h1>
<h2>&lt;img src=x onerror="window.__pwned='h2 entity'"&gt; Timetable</h2>
<p>The {TOPIC} ferry strike cancelled <b>forty</b> crossings; see
<a href="javascript:window.__pwned='link'">the notice</a> and
<img src="x" onerror="window.__pwned='img tag'"> the map.</p>
<p onclick="window.__pwned='onclick'">Unions said the {TOPIC} talks resume on Monday
&amp; that &quot;nothing&quot; is agreed &lt;yet&gt;.</p>
<iframe src="javascript:window.__pwned='iframe'"></iframe>
</body></html>"""

JSONL = [
    {"id": "jsonl-hostile",
     "title": "\"><script>window.__pwned='jsonl title'; document.title='PWNED'</script>",
     "source": "</a><script>window.__pwned='jsonl source'</script>",
     "kind": "\"onmouseover=\"window.__pwned='jsonl kind'", "url": "JaVaScRiPt:alert(1)",
     "date": "2024-06-02",
     "html": f"<p>The {TOPIC} council met. <a href=\"javascript:window.__pwned='jsonl link'\">"
             f"minutes</a></p><p>&lt;script&gt;window.__pwned='jsonl entity'&lt;/script&gt; "
             f"was quoted in the {TOPIC} minutes.</p>"},
    {"id": "jsonl-plain", "title": "Harmless <i>italic</i> & ampersand title",
     "source": "Wire & Co <Ltd>", "text": f"A quiet {TOPIC} story about beekeeping."},
]


def write_hostile_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "manifest-fields.txt").write_text(MANIFEST_FIELDS_TXT, encoding="utf-8")
    (folder / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in JSONL) + "\n",
                                       encoding="utf-8")
    return folder


HOSTILE_SOURCES = ["<img src=x onerror=\"window.__pwned='manifest source'\">Evil Source",
                   "</a><script>window.__pwned='jsonl source'</script>"]
DOC_IDS = ["manifest-fields", "page", "jsonl-hostile", "jsonl-plain"]
INJECTED_QUERY = "\"><script>window.__pwned='query'</script><img src=x onerror=alert(1)>"


def hostile_urls() -> list[str]:
    """Paths (with query strings) that show every hostile field somewhere."""
    urls = []
    for mode in ("hybrid", "keyword", "semantic"):
        urls.append("/?" + urlencode({"q": TOPIC, "mode": mode}))
    for source in HOSTILE_SOURCES:  # an active facet, and one with no hits
        urls.append("/?" + urlencode({"q": TOPIC, "source": source}))
        urls.append("/?" + urlencode({"q": "nothingmatchesthis", "source": source,
                                      "kind": "<b>x</b>", "mode": "keyword"}))
    urls.append("/?" + urlencode({"q": INJECTED_QUERY}))
    urls.append("/?" + urlencode({"q": TOPIC, "date_from": INJECTED_QUERY}))  # error text
    for doc_id in DOC_IDS:
        urls.append(f"/doc/{doc_id}?" + urlencode({"q": TOPIC, "p": "0"}))
        urls.append(f"/doc/{doc_id}?" + urlencode({"q": INJECTED_QUERY}))
    urls.append("/doc/" + quote("<script>window.__pwned='404'</script>", safe=""))
    return urls
