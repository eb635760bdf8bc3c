"""One rule for file types: a file named directly on the command line is read or skipped
exactly as the same file inside a folder."""
from __future__ import annotations

from indexer.ingest.sources import read_corpus
from indexer.models import Skipped


def _read(paths) -> tuple[set[str], dict[str, str]]:
    read, skipped = set(), {}
    for item in read_corpus(paths):
        if isinstance(item, Skipped):
            skipped[item.origin] = item.reason
        else:
            read.add(item.origin)
    return read, skipped


def test_unsupported_file_is_skipped_named_directly_and_in_a_folder(tmp_path):
    pdf, note = tmp_path / "report.pdf", tmp_path / "note.txt"
    pdf.write_bytes(b"%PDF-1.7\nThe annual report of the harbour authority, as text bytes.\n")
    note.write_text("The harbour authority published its annual report on Monday.")
    for paths in ([pdf, note], [tmp_path]):
        read, skipped = _read(paths)
        assert read == {str(note)}, paths
        assert skipped.keys() == {str(pdf)}, paths
        assert "unsupported file type .pdf" in skipped[str(pdf)]
        assert ".txt" in skipped[str(pdf)] and ".jsonl" in skipped[str(pdf)]  # says what is
