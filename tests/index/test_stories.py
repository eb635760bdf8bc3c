"""Stories (indexer/index/stories.py): documents telling one story grouped, with roles and
stable ids, fully and incrementally; the evidence two documents share; document vectors.

Small hand-made vectors and texts, real faiss; no embedder.
"""
import numpy as np
import pytest

from indexer.index.stories import LinkRule, StoryDoc, document_vectors, group_stories
from indexer.ingest.evidence import evidence_of

DIM = 16
EN = ("Leapmotor delivered 100,000 cars in 2022, said Zhu Jiangming in Hangzhou. "
      "The C11 sold 35,000 units in the first half of the year.")
IT = ("Leapmotor ha consegnato 100.000 auto nel 2022, ha detto Zhu Jiangming a Hangzhou. "
      "La C11 ha venduto 35.000 unità nella prima metà dell'anno.")
EN_COPY = EN + " Shares of the carmaker closed higher on Friday afternoon in Hong Kong."
OTHER = ("Rain is expected across Wales on Tuesday, the Met Office said in its forecast. "
         "Drivers were told to take care on the roads near Cardiff and Swansea.")


def unit(*pairs: tuple[int, float]) -> np.ndarray:
    v = np.zeros(DIM, np.float32)
    for axis, value in pairs:
        v[axis] = value
    return v / np.linalg.norm(v)


def doc(doc_id: str, language: str, text: str, day: int = 20240101) -> StoryDoc:
    return StoryDoc(doc_id, language, "", day, evidence_of(text))


def stories_of(result: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for doc_id, story in result.items():
        out.setdefault(story.story_id, set()).add(doc_id)
    return out


# ---------------------------------------------------------------- grouping

def test_translation_joined_and_unrelated_document_left_alone():
    docs = [doc("en", "en", EN), doc("it", "it", IT, 20240102), doc("rain", "en", OTHER)]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.4)), unit((2, 1))])
    result = group_stories(docs, vectors)
    assert result["en"].story_id == result["it"].story_id == "s:en"
    assert (result["en"].role, result["it"].role) == ("first", "translation")
    assert result["rain"].story_id == "s:rain" and result["rain"].role == "first"


def test_a_translation_needs_shared_names_and_numbers():
    docs = [doc("en", "en", EN), doc("it", "it", "Piove a Roma e il traffico è lento oggi.")]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.2))])
    assert len(stories_of(group_stories(docs, vectors))) == 2


def test_roles_are_relative_to_the_earliest_document():
    docs = [doc("copy", "en", EN_COPY, 20240105), doc("it", "it", IT, 20240103),
            doc("en", "en", EN, 20240102)]
    vectors = np.stack([unit((0, 1), (1, 0.2)), unit((0, 1), (1, 0.4)), unit((0, 1))])
    result = group_stories(docs, vectors)
    assert {s.story_id for s in result.values()} == {"s:en"}
    assert result["en"].role == "first"
    assert result["copy"].role == "republication"
    assert result["it"].role == "translation"


def test_same_language_pair_needs_shared_sentences():
    retold = ("In 2022 Leapmotor reached 100,000 cars, Zhu Jiangming told reporters in "
              "Hangzhou, with 35,000 of them C11s.")
    docs = [doc("en", "en", EN), doc("retold", "en", retold)]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.2))])
    assert len(stories_of(group_stories(docs, vectors))) == 2


def test_undated_documents_come_last_and_ties_keep_input_order():
    docs = [doc("copy", "en", EN_COPY, 0), doc("en", "en", EN, 20240110)]
    vectors = np.stack([unit((0, 1), (1, 0.2)), unit((0, 1))])
    result = group_stories(docs, vectors)
    assert result["en"].role == "first" and result["copy"].role == "republication"
    undated = [doc("copy", "en", EN_COPY, 0), doc("en", "en", EN, 0)]
    result = group_stories(undated, vectors)
    assert result["copy"].role == "first" and result["copy"].story_id == "s:copy"


def test_documents_dated_far_apart_are_not_linked():
    rule = LinkRule()
    docs = [doc("en", "en", EN, 20240101), doc("copy", "en", EN_COPY, 20240101)]
    docs[1].day = 20240101 + 100 * (rule.max_days // 30 + 1)  # months later
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.2))])
    assert len(stories_of(group_stories(docs, vectors))) == 2


def test_a_partial_date_counts_from_its_last_day():
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.2))])
    month = doc("en", "en", EN, 20240601)
    month.last_day = 20240630  # dated "2024-06"
    later = doc("copy", "en", EN_COPY, 20240720)
    assert len(stories_of(group_stories([month, later], vectors))) == 1
    year = doc("en", "en", EN, 20220101)
    year.last_day = 20221231  # dated "2022"
    assert len(stories_of(group_stories([year, later], vectors))) == 2


def test_chaining_stops_where_a_story_would_drift():
    """A series each like the next (sharing two of three sentences, cosine 0.97) but whose
    ends are unrelated (cosine -0.5): the coherence guard splits it, no guard makes one
    story."""
    steps = 9
    angles = np.radians(15 * np.arange(steps))
    vectors = np.stack([unit((0, np.cos(a)), (1, np.sin(a))) for a in angles])
    sentences = [f"Sentence number {k} of the daily market report has these words." for k
                 in range(steps + 2)]
    docs = [doc(f"d{k}", "en", " ".join(sentences[k:k + 3])) for k in range(steps)]
    assert len(stories_of(group_stories(docs, vectors))) > 1
    unguarded = group_stories(docs, vectors, rule=LinkRule(coherence=-1.0))
    assert len(stories_of(unguarded)) == 1


def test_previous_ids_survive_a_full_rebuild():
    docs = [doc("en", "en", EN), doc("it", "it", IT)]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.4))])
    result = group_stories(docs, vectors, previous={"it": "s:older"})
    assert result["en"].story_id == result["it"].story_id == "s:older"


def test_mismatched_vectors_are_refused():
    with pytest.raises(ValueError):
        group_stories([doc("en", "en", EN)], np.zeros((2, DIM), np.float32))


# ---------------------------------------------------------------- incremental

def test_added_document_joins_an_existing_story_keeping_its_id():
    docs = [doc("en", "en", EN), doc("it", "it", IT, 20240102), doc("rain", "en", OTHER)]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.4)), unit((2, 1))])
    previous = {d: s.story_id for d, s in group_stories(docs, vectors).items()}
    docs.append(doc("copy", "en", EN_COPY, 20231231))  # dated before the first
    vectors = np.vstack([vectors, unit((0, 1), (1, 0.2))])
    result = group_stories(docs, vectors, previous, new=[3])
    assert result["copy"].story_id == result["en"].story_id == previous["en"]
    assert result["copy"].role == "first" and result["en"].role == "republication"
    assert result["rain"].story_id == previous["rain"]


def test_stories_joined_by_a_new_document_keep_the_earlier_id():
    # en and it were grouped apart earlier (as they may have been, before the bridge)
    docs = [doc("it", "it", IT, 20240105), doc("en", "en", EN, 20240101),
            doc("copy", "en", EN_COPY, 20240106)]
    vectors = np.stack([unit((0, 1), (1, 0.4)), unit((0, 1)), unit((0, 1), (1, 0.2))])
    previous = {"it": "s:it", "en": "s:en"}
    result = group_stories(docs, vectors, previous, new=[2])
    assert {s.story_id for s in result.values()} == {"s:en"}
    assert [result[d].role for d in ("en", "it", "copy")] == [
        "first", "translation", "republication"]


def test_old_documents_keep_their_grouping():
    docs = [doc("en", "en", EN), doc("it", "it", IT)]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.4))])
    result = group_stories(docs, vectors, {"en": "s:en", "it": "s:it"}, new=[])
    assert (result["en"].story_id, result["it"].story_id) == ("s:en", "s:it")


def test_a_document_missing_from_previous_counts_as_new():
    docs = [doc("en", "en", EN), doc("copy", "en", EN_COPY)]
    vectors = np.stack([unit((0, 1)), unit((0, 1), (1, 0.2))])
    result = group_stories(docs, vectors, {"en": "s:en"}, new=[])
    assert result["copy"].story_id == "s:en" and result["copy"].role == "republication"


# ---------------------------------------------------------------- evidence

def test_numbers_are_normalised_across_conventions():
    en, it = evidence_of("It cost 1,000,000 dollars, 3.5 per cent more than 1,250.50 in 2019."), \
        evidence_of("È costato 1.000.000 di dollari, il 3,5 per cento in più di 1.250,50 nel 2019.")
    for key in ("1000000", "3.5", "1250.5", "2019"):
        assert key in en and key in it
    assert "7" not in evidence_of("Only 7 people came and 12 left.")
    assert "12" in evidence_of("Only 7 people came and 012 left.")
    assert "9" * 5000 in evidence_of("A number of 5000 digits: " + "9" * 5000)


def test_names_are_capitalised_words_not_starting_a_sentence():
    keys = evidence_of("Leapmotor sold cars. Then Stellantis bought a stake in the C11 maker, "
                       "Reuters said.\nOfficials declined.")
    assert {"stellantis", "reuters", "c11"} <= keys
    assert not {"leapmotor", "then", "officials"} & keys


def test_sentence_fingerprints_match_whatever_the_case_and_punctuation():
    a = StoryDoc("a", "en", "", 0, evidence_of("The factory opened in March with new lines."))
    b = StoryDoc("b", "en", "", 0, evidence_of('"The factory opened in March, with new lines!"'))
    short = StoryDoc("c", "en", "", 0, evidence_of("He said no."))
    assert a.sentences and a.sentences == b.sentences
    assert not short.sentences
    assert "march" in a.facts and not a.facts & a.sentences


# ---------------------------------------------------------------- vectors

def test_document_vectors_average_normalise_and_skip_dead_rows():
    passages = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [5, 5, 5]], np.float32)
    doc_of_row = np.array([0, 0, 1, -1])
    out = document_vectors(passages, doc_of_row, 3)
    assert out.dtype == np.float32 and out.shape == (3, 3)
    np.testing.assert_allclose(out[0], [2 ** -0.5, 2 ** -0.5, 0], rtol=1e-6)
    np.testing.assert_allclose(out[1], [0, 0, 1])
    np.testing.assert_array_equal(out[2], [0, 0, 0])  # no passages: zero, linked to nothing


def test_document_vectors_match_a_plain_mean_across_blocks(monkeypatch):
    from indexer.index import stories
    monkeypatch.setattr(stories, "ROW_BLOCK", 7)
    rng = np.random.default_rng(1)
    passages = rng.standard_normal((50, 4)).astype(np.float32)
    doc_of_row = rng.integers(-1, 6, 50)
    out = document_vectors(passages, doc_of_row, 6)
    for d in range(6):
        mean = passages[doc_of_row == d].mean(axis=0)
        np.testing.assert_allclose(out[d], mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
