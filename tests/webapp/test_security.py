"""Access control on every route, no path traversal, no debug mode or tracebacks."""
from __future__ import annotations

import base64
import dataclasses
import logging

import pytest
from werkzeug.security import generate_password_hash

from indexer.cli import main
from indexer.config import AccessConfig, ConfigError, load_config
from indexer.ingest.sources import read_jsonl

from conftest import write_config

PASSWORD = "correct horse battery staple"
TOKEN = "tok-9f2b7c1e4d6a8b0c3e5f7a9b1d3f5a7c"
ARGUMENT_SAMPLES = {"filename": "style.css", "doc_id": "001_c78aecbcbfb51514"}


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def locked_app(config, embedder):
    from webapp import create_app
    access = AccessConfig(users={"alice": generate_password_hash(PASSWORD)},
                          token_hashes=[generate_password_hash(TOKEN)])
    return create_app(dataclasses.replace(config, access=access), embedder=embedder)


def every_route(app):
    """(method, url) for every rule of the app, arguments filled with plausible values."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        values = {name: ARGUMENT_SAMPLES.get(name, "1") for name in rule.arguments}
        url = adapter.build(rule.endpoint, values, method=sorted(rule.methods)[0])
        for method in sorted(rule.methods):
            yield method, url


def test_every_route_refuses_an_unauthenticated_request(locked_app):
    client = locked_app.test_client()
    routes = list(every_route(locked_app))
    assert {"/", "/api/search", "/static/style.css"} <= {url for _, url in routes}
    for method, url in routes + [("GET", "/no/such/page"), ("GET", "/api/no-such-call")]:
        r = client.open(url + "?q=leapmotor", method=method)
        assert r.status_code == 401, (method, url, r.status_code)
        assert "Basic" in r.headers["WWW-Authenticate"], (method, url)
        assert b"leapmotor" not in r.data.lower().replace(b"q=leapmotor", b"")


def test_every_route_opens_with_valid_credentials(locked_app):
    client = locked_app.test_client()
    for method, url in every_route(locked_app):
        if method in ("HEAD", "OPTIONS"):
            continue
        for headers in (basic("alice", PASSWORD), {"Authorization": f"Bearer {TOKEN}"}):
            r = client.open(url + "?q=leapmotor", method=method, headers=headers)
            assert r.status_code != 401, (method, url)
            assert r.status_code < 500, (method, url)


@pytest.mark.parametrize("header", [
    "", "Basic", "Basic !!!", "Basic " + base64.b64encode(b"alice").decode(),
    basic("alice", "wrong")["Authorization"], basic("mallory", PASSWORD)["Authorization"],
    basic("", PASSWORD)["Authorization"], "Bearer", "Bearer wrong-token", f"Bearer  {TOKEN}x",
    f"Token {TOKEN}", "Basic " + "A" * 5000, basic("alice", PASSWORD + " ")["Authorization"],
    basic("ALICE", PASSWORD)["Authorization"],
])
def test_wrong_credentials_are_refused(locked_app, header):
    r = locked_app.test_client().get("/api/search?q=x", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.get_json()["error"] and "Bearer" in r.headers["WWW-Authenticate"]


def test_refusals_are_logged(locked_app, caplog):
    with caplog.at_level(logging.WARNING, logger="newsdesk"):
        locked_app.test_client().get("/", headers=basic("alice", "nope"))
    assert any("refused credentials" in r.getMessage() for r in caplog.records)


def test_a_credential_is_hashed_once_then_remembered(monkeypatch):
    from webapp import access
    gate = access.Gate(AccessConfig(users={"alice": generate_password_hash(PASSWORD)}))
    checks = []
    real = access.check_password_hash
    monkeypatch.setattr(access, "check_password_hash",
                        lambda h, p: checks.append(p) or real(h, p))
    header = basic("alice", PASSWORD)["Authorization"]
    assert [gate.identify(header) for _ in range(5)] == ["alice"] * 5
    assert checks == [PASSWORD]
    assert gate.identify(basic("alice", "wrong")["Authorization"]) is None
    assert gate.identify(basic("alice", "wrong")["Authorization"]) is None
    assert checks == [PASSWORD, "wrong", "wrong"]  # failures are never remembered


def test_access_section_is_read_from_config_toml(tmp_path):
    path = write_config(tmp_path, [tmp_path])
    hashed = generate_password_hash(PASSWORD)
    path.write_text(path.read_text() + f'\n[access]\ntoken_hashes = ["{hashed}"]\n'
                                       f'[access.users]\nalice = "{hashed}"\n')
    cfg = load_config(path)
    assert cfg.access.enabled and cfg.access.users == {"alice": hashed}
    path.write_text(path.read_text().replace(f'alice = "{hashed}"', 'alice = "hunter2"'))
    with pytest.raises(ConfigError, match="must be a password hash"):
        load_config(path)


def test_default_config_is_open_and_loopback_only():
    cfg = load_config()
    assert not cfg.access.enabled and cfg.server.host == "127.0.0.1"


def test_serving_beyond_loopback_needs_access_or_an_explicit_flag(tmp_path, capsys):
    path = write_config(tmp_path, [tmp_path])
    assert main(["--config", str(path), "serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "refusing to serve on 0.0.0.0" in capsys.readouterr().err


def test_hash_secret_prints_a_hash_that_config_accepts(tmp_path, capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["hash-secret"]) == 0
    hashed = capsys.readouterr().out.split('"')[1]
    path = write_config(tmp_path, [tmp_path])
    path.write_text(path.read_text() + f'\n[access.users]\nbob = "{hashed}"\n')
    from werkzeug.security import check_password_hash
    assert check_password_hash(load_config(path).access.users["bob"], PASSWORD)
    assert main(["hash-secret", "--new-token"]) == 0
    out = capsys.readouterr().out
    token, hashed = out.split(": ", 1)[1].split()[0], out.split('"')[1]
    assert len(token) >= 40 and check_password_hash(hashed, token)


# -- path traversal ---------------------------------------------------------------------

TRAVERSALS = ["../../../../etc/passwd", "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
              "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "....//....//etc/passwd", "/etc/passwd",
              "..\\..\\config.toml", "../config.toml", "%2e%2e%2fconfig.toml", "x%00.css",
              "..%252f..%252fetc%252fpasswd"]
SECRETS = (b"root:x:0:0", b"[corpus]", b"[server]")


def test_no_path_traversal_through_url_arguments_or_names(client, app):
    for method, url in every_route(app):
        if method != "GET":
            continue
        for bad in TRAVERSALS:
            for target in ([url.replace(v, bad) for v in ARGUMENT_SAMPLES.values() if v in url]
                           + ["/static/" + bad, f"{url}?name={bad}&filename={bad}&file={bad}"
                                                f"&format={bad}&path={bad}"]):
                r = client.get(target)
                assert r.status_code < 500, target
                assert not any(s in r.data for s in SECRETS), target
                disposition = r.headers.get("Content-Disposition", "")
                assert "/" not in disposition and ".." not in disposition, target


def test_document_ids_from_a_dump_cannot_name_paths(tmp_path):
    (tmp_path / "dump.jsonl").write_text(
        '{"id": "../../etc/passwd", "text": "a"}\n{"id": ".hidden", "text": "b"}\n'
        '{"id": "ok-id_1.2", "text": "c"}\n{"id": "a/b", "text": "d"}\n')
    ids = [d.doc_id for d in read_jsonl(tmp_path / "dump.jsonl")]
    assert ids[2] == "ok-id_1.2"
    for doc_id in ids:
        assert "/" not in doc_id and "\\" not in doc_id and not doc_id.startswith(".")


# -- no debug mode, no tracebacks, errors logged --------------------------------------------

def test_debug_is_off_even_if_the_environment_asks(config, embedder, monkeypatch):
    from webapp import create_app
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(config, embedder=embedder)
    assert not app.debug and not app.config["PROPAGATE_EXCEPTIONS"]
    assert not app.testing


def test_an_unexpected_error_is_logged_not_shown(app, client, caplog, monkeypatch):
    from indexer.search.searcher import Searcher

    def explode(self, request):
        raise RuntimeError("secret internal detail /srv/data")

    monkeypatch.setattr(Searcher, "search", explode)
    with caplog.at_level(logging.ERROR, logger="newsdesk"):
        api = client.get("/api/search?q=leapmotor")
        page = client.get("/?q=leapmotor")
    assert api.status_code == 500 and page.status_code == 500
    assert api.get_json()["error"].startswith("Something went wrong on the server")
    for body in (api.data, page.data):
        assert b"secret internal detail" not in body and b"Traceback" not in body
    logged = [r for r in caplog.records if r.name == "newsdesk" and r.exc_info]
    assert logged and "secret internal detail" in str(logged[0].exc_info[1])
