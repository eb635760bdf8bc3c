"""Exports beyond `[export] concurrent` wait for a slot, then are refused with 503 and
Retry-After; searches are answered meanwhile, and a finished export frees its slot."""
from webapp.export_slots import ExportSlots


def test_an_export_beyond_the_limit_is_refused_while_searches_are_answered(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "newsdesk_exports", ExportSlots(1, 0.2))
    client = app.test_client()
    first = client.get("/api/export", query_string={"q": "stellantis", "format": "csv"},
                       buffered=False)  # streaming: holds its slot until sent and closed
    assert first.status_code == 200

    busy = client.get("/api/export", query_string={"q": "leapmotor", "format": "jsonl"})
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "60"
    assert "try again" in busy.get_json()["error"]
    batch = client.post("/batch", data={"queries_text": "stellantis", "format": "csv"})
    assert batch.status_code == 503 and b"try again" in batch.data  # the form gets a page
    assert client.get("/api/search", query_string={"q": "stellantis"}).status_code == 200

    assert b"Stellantis" in first.get_data()
    first.close()
    again = client.get("/api/export", query_string={"q": "leapmotor", "format": "jsonl"})
    assert again.status_code == 200 and b"Leapmotor" in again.data


def test_an_export_refused_as_too_large_frees_its_slot(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "newsdesk_exports", ExportSlots(1, 0.2))
    monkeypatch.setattr(app.extensions["newsdesk"].config.export, "max_rows", 1)
    client = app.test_client()
    refused = client.get("/api/export", query_string={"q": "stellantis", "format": "csv"})
    assert refused.status_code == 422  # raised while the slot was held
    ok = client.get("/api/export", query_string={"q": "stellantis", "format": "csv",
                                                 "limit": "1"})
    assert ok.status_code == 200
