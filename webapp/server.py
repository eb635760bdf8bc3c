"""Serving the app over HTTP: one waitress process, or several gunicorn worker processes.

Python runs one thread of a process at a time, so one process of `[server] threads`
threads keeps about one core busy however many requests wait (at 105k passages it
answered 124 requests/s with 1.1 of 2 cores busy, 205 with 2 processes). With
`[server] processes` > 1, gunicorn's master binds the port and forks that many workers,
each with `threads` threads and its own app: its own embedder, searcher and caches
(~300 MB of memory of its own at 105k passages); the index files are memory-mapped, so
their pages are shared.
Each worker opens the index after the fork. Stopping the master (SIGTERM, Ctrl-C)
stops its workers.
"""
from __future__ import annotations

from indexer.config import Config

from . import create_app


def serve(config: Config, host: str, port: int) -> None:
    """Serve until stopped."""
    if config.server.processes <= 1:
        from waitress import serve as waitress_serve
        waitress_serve(create_app(config), host=host, port=port,
                       threads=config.server.threads, ident="newsdesk")
        return
    _workers(config, host, port).run()


def _workers(config: Config, host: str, port: int):
    from gunicorn.app.base import BaseApplication

    class Workers(BaseApplication):
        """gunicorn with these settings, each worker making its own app."""

        def load_config(self):
            settings = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": config.server.processes, "worker_class": "gthread",
                "threads": config.server.threads, "preload_app": False,
                # a worker is restarted if silent this long; exports stream for minutes
                # from other threads, and its main loop stays responsive meanwhile
                "timeout": 120, "graceful_timeout": 20, "proc_name": "newsdesk",
                "accesslog": None, "errorlog": "-", "loglevel": "warning"}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return create_app(config)

    return Workers()
