"""The sentence a semantic-only hit shows, on a real English passage (NTREX, BBC) and
Italian queries: the query's terms (its translation's) choose it without an encoder call,
and a hit that shares no word with the query still gets its sentence closest in meaning."""
import pytest

from indexer.index.keyword.analyzers import analyze
from indexer.models import Passage
from indexer.search.snippets import semantic_sentences, sentences_of, term_sentences

TEXT = ("There is consternation among some AMs at a suggestion their title should change to MWPs "
        "(Member of the Welsh Parliament). It has arisen because of plans to change the name of "
        "the assembly to the Welsh Parliament. AMs across the political spectrum are worried it "
        "could invite ridicule. One Labour AM said his group was concerned \"it rhymes with Twp "
        "and Pwp.\" For readers outside of Wales: In Welsh twp means daft and pwp means poo.")
PASSAGE = Passage("en-1", "bbc.381790", 0, "", 0, len(TEXT), "en", TEXT)
SENTENCES = sentences_of(TEXT)


class CountingEmbedder:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self, embedder):
        self.embedder, self.texts = embedder, []

    def encode(self, texts):
        self.texts += list(texts)
        return self.embedder.encode(texts)


def terms_without_translation(query: str) -> dict[str, frozenset[str]]:
    """What `Ranking.terms` holds for a query not translated: its words in each analyzer."""
    return {lang: frozenset(analyze(lang, query)) for lang in ("en", "it")}


@pytest.mark.parametrize("query, right", [
    ("politici di ogni schieramento temono di essere derisi", 2),
    ("in gallese la parola significa sciocco", 4),
    ("il nome dell'assemblea diventerà parlamento gallese", 1),
])
def test_italian_query_sharing_no_word_gets_the_sentence_closest_in_meaning(embedder, query,
                                                                          right):
    counting = CountingEmbedder(embedder)
    chosen = semantic_sentences([PASSAGE], terms_without_translation(query),
                                embedder.encode([query])[0], counting)
    assert chosen[PASSAGE.passage_id] == SENTENCES[right]


def test_translated_terms_choose_the_sentence_without_the_encoder(embedder):
    query = "il nome dell'assemblea diventerà parlamento gallese"
    terms = terms_without_translation(query)
    # Apertium's English for it, as query translation adds it to the English terms
    terms["en"] |= frozenset(analyze("en", "the name of the assembly will become Welsh parliament"))
    counting = CountingEmbedder(embedder)
    chosen = semantic_sentences([PASSAGE], terms, embedder.encode([query])[0], counting)
    assert chosen[PASSAGE.passage_id] == SENTENCES[1]
    assert counting.texts == []


def test_only_hits_sharing_no_word_are_embedded(embedder):
    other_text = ("Il governo del Galles ha pubblicato i risultati di una consultazione pubblica. "
                  "La maggior parte dei cittadini ha sostenuto il nuovo nome.")
    other = Passage("it-1", "bbc.381790", 1, "", 0, len(other_text), "it", other_text)
    query = "ridicule across the political spectrum"
    terms = terms_without_translation(query)
    counting = CountingEmbedder(embedder)
    chosen = semantic_sentences([PASSAGE, other], terms, embedder.encode([query])[0], counting)
    assert chosen[PASSAGE.passage_id] == SENTENCES[2]
    assert counting.texts == sentences_of(other_text)  # the Italian hit has no English term
    assert chosen[other.passage_id] in counting.texts


def test_terms_break_ties_towards_the_earlier_sentence_and_fall_back_to_the_first():
    assert term_sentences([PASSAGE], {"en": frozenset(analyze("en", "Welsh"))}) == {
        PASSAGE.passage_id: SENTENCES[0]}
    assert term_sentences([PASSAGE], {"en": frozenset(analyze("en", "poo"))}) == {
        PASSAGE.passage_id: SENTENCES[4]}
    assert term_sentences([PASSAGE], {}) == {PASSAGE.passage_id: SENTENCES[0]}
    assert term_sentences([PASSAGE], {}, only_matched=True) == {}
