"""Citations: unnumbered top-level headings of a report (Appendix, About this Report, ...)
start their own section, so the numbered section before them does not run on."""
from __future__ import annotations

from indexer.ingest.cleaning import assemble, clean
from indexer.ingest.passages import split_passages

from conftest import SEED_CORPUS

ESG = SEED_CORPUS / "004_902272254a36adef.txt"
KPI = "Average Training Hours of Senior Management Employees"


def _sections_of(phrase: str) -> list[str]:
    blocks = clean(ESG.read_text(encoding="utf-8"), is_html=False)
    text = assemble(blocks)
    return [s.section for s in split_passages(blocks, 80, 250)
            if phrase in " ".join(text[s.start:s.end].split())]


def test_the_appendix_kpi_tables_are_cited_as_appendix():
    sections = _sections_of(KPI)
    # the body's own training table, then the Appendix's ESG key data
    assert sections[-1] == "Appendix", sections
    assert not any("5.2.2 User Kindness" in s for s in sections)


def test_numbered_sections_keep_their_paths():
    assert set(_sections_of("energy")) >= {"3.2 Implementing Green Production › 3.2.3 Energy Use"}
