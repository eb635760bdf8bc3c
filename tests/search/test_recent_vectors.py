"""Recently embedded texts are not embedded again, and their vectors are the encoder's."""
import numpy as np

from indexer.search.recent_vectors import RecentVectors


class CountingEmbedder:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self, embedder):
        self.embedder, self.texts = embedder, []
        self.name, self.dim = embedder.name, embedder.dim

    def encode(self, texts):
        self.texts += list(texts)
        return self.embedder.encode(texts)


SENTENCES = ["The assembly will be renamed the Welsh Parliament.",
             "Il governo ha pubblicato i risultati della consultazione.",
             "AMs across the political spectrum are worried it could invite ridicule."]


def test_a_text_seen_before_is_not_embedded_again_and_keeps_its_vector(embedder):
    counting = CountingEmbedder(embedder)
    recent = RecentVectors(counting, size=10)
    first = recent.encode(SENTENCES[:2])
    again = recent.encode([SENTENCES[1], SENTENCES[2], SENTENCES[2]])
    assert counting.texts == SENTENCES[:2] + [SENTENCES[2]]  # a repeated text once
    np.testing.assert_allclose(again[0], first[1])
    np.testing.assert_allclose(again, embedder.encode([SENTENCES[1], SENTENCES[2],
                                                      SENTENCES[2]]), atol=1e-6)


def test_the_least_recently_used_text_is_forgotten_past_its_size(embedder):
    counting = CountingEmbedder(embedder)
    recent = RecentVectors(counting, size=2)
    recent.encode(SENTENCES[:2])
    recent.encode([SENTENCES[0]])  # now the most recent
    recent.encode([SENTENCES[2]])  # evicts SENTENCES[1]
    counting.texts.clear()
    recent.encode(SENTENCES)
    assert counting.texts == [SENTENCES[1]]


def test_size_zero_embeds_every_time(embedder):
    counting = CountingEmbedder(embedder)
    recent = RecentVectors(counting, size=0)
    recent.encode(SENTENCES[:1])
    recent.encode(SENTENCES[:1])
    assert counting.texts == SENTENCES[:1] * 2
