"""Timeline bucketing: month bars for a span up to 36 months (unless most documents name
only a year), year bars beyond; documents dated less precisely than a bar, and undated
ones, counted apart; gaps kept as empty bars."""
from indexer.dates import date_span
from indexer.search.timeline import MAX_BARS, timeline


def bars(dates: list[str], date_from: str = "", date_to: str = ""):
    return timeline([date_span(d) for d in dates], date_from, date_to)


def test_months_up_to_36_months_then_years():
    months = bars(["2022-01-15", "2024-12"])  # 36 months
    assert months.unit == "month" and len(months.bars) == 36
    assert [(b.period, b.count) for b in months.bars if b.count] == [("2022-01", 1),
                                                                      ("2024-12", 1)]
    years = bars(["2022-01-15", "2025-01-01"])  # 37 months
    assert years.unit == "year" and [(b.period, b.count) for b in years.bars] == [
        ("2022", 1), ("2023", 0), ("2024", 0), ("2025", 1)]


def test_a_year_among_months_and_undated_documents_are_counted_apart():
    t = bars(["2024", "2024-03", "2024-03-31", "", "2025-01"])
    assert t.unit == "month" and (t.imprecise, t.undated) == (1, 1)
    assert [(b.period, b.count) for b in t.bars if b.count] == [("2024-03", 2), ("2025-01", 1)]
    assert bars(["", ""]).bars == [] and bars(["", ""]).undated == 2


def test_years_when_most_documents_name_only_a_year():
    t = bars(["2023-09", "2025", "2024"])
    assert t.unit == "year" and t.imprecise == 0
    assert [(b.period, b.count) for b in t.bars] == [("2023", 1), ("2024", 1), ("2025", 1)]


def test_a_bar_cut_by_the_search_range_links_to_the_part_inside():
    t = bars(["2024-02-12", "2024-03", "2024-04-02"], "2024-02-10", "2024-04-15")
    assert [(b.period, b.date_from, b.date_to) for b in t.bars] == [
        ("2024-02", "2024-02-10", "2024-02"), ("2024-03", "2024-03", "2024-03"),
        ("2024-04", "2024-04", "2024-04-15")]


def test_centuries_apart_draw_only_the_years_with_documents():
    t = bars(["0001", "1850-06", "9999-12-31"])
    assert t.unit == "year" and len(t.bars) == 3 < MAX_BARS
    assert [b.period for b in t.bars] == ["0001", "1850", "9999"]
