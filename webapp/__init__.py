"""The newsdesk web app: search page, document page and JSON API (Flask app factory)."""
from __future__ import annotations

import logging

from flask import Flask

from indexer.config import Config, load_config
from indexer.index.embedders import Embedder, load_embedder
from indexer.index.reader import IndexHandle
from indexer.search.searcher import Searcher
from indexer.translate.backends import load_translator
from indexer.translate.interface import Translator

from . import access, api, errors, export_views, security, views
from .export_slots import ExportSlots

log = logging.getLogger("newsdesk")


def create_app(config: Config | None = None, embedder: Embedder | None = None,
               translator: Translator | None = None) -> Flask:
    """An app serving the live index generation named by `config` (default: config.toml).

    The embedder is loaded here, once, not on the first request; the translator
    (default: the [translation] backend) starts its engine on first use.
    """
    config = config or load_config()
    app = Flask(__name__)
    app.config.update(DEBUG=False, PROPAGATE_EXCEPTIONS=False,
                      MAX_CONTENT_LENGTH=1 << 20)
    app.json.sort_keys = False
    embedder = embedder or load_embedder(config.embedder)
    embedder.encode(["warm-up"])  # loads the weights now rather than on a user's search
    translator = translator or load_translator(config)
    app.extensions["newsdesk"] = Searcher(config, IndexHandle(config), embedder, translator)
    app.extensions["newsdesk_exports"] = ExportSlots(config.export.concurrent,
                                                     config.export.wait_seconds)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export_views.bp)
    errors.register(app)
    security.register(app)
    access.register(app, config.access)
    return app
