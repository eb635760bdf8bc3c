"""Apertium (rule-based, offline) as a translation backend, through a pivot language.

There is no English–Italian Apertium pair, so en->it runs `eng-<pivot> | <pivot>-ita`
and it->en the reverse. Starting Apertium costs ~0.5 s (it loads a dozen
transducers per pair), so each direction is one long-lived pipeline in
null-flush mode (`-z`): every text goes in followed by a NUL, and each stage
flushes its output when it sees one, so a whole page of texts is one round trip
of a few tens of milliseconds and each text's translation comes back NUL-terminated.
The count of NULs read back must equal the count written; a pipeline that
dies, hangs past the timeout or answers short is killed and restarted on the next call.

Texts are fed in Apertium's stream format (our own "deformatter": reserved
characters backslash-escaped) and read back through the matching "reformatter".
"""
from __future__ import annotations

import logging
import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from .interface import TranslationError, Translator, TranslatorUnavailable

log = logging.getLogger("newsdesk")

# ISO 639-1 (what the index uses) -> the ISO 639-3 codes Apertium names its pairs with.
APERTIUM_CODES = {"en": "eng", "it": "ita", "es": "spa", "ca": "cat", "fr": "fra",
                  "pt": "por", "de": "deu", "oc": "oci", "ro": "ron"}
LANGUAGE_NAMES = {"spa": "Spanish", "cat": "Catalan", "fra": "French", "por": "Portuguese",
                  "eng": "English", "ita": "Italian", "oci": "Occitan", "ron": "Romanian"}
PACKAGES = "apertium apertium-eng-spa apertium-spa-ita"

_RESERVED = re.compile(r"([\[\]\^\$\\/@<>{}])")
_SEGMENT_SPLIT = re.compile(r"(\s*\n\s*)")
START_GRACE_SECONDS = 30.0  # the first batch also waits for the transducers to load


def deformat(text: str) -> str:
    """Plain text (one line) -> Apertium stream format."""
    text = " ".join(text.replace("\0", " ").split())
    return _RESERVED.sub(r"\\\1", text) + "[]"


def reformat(stream: str) -> str:
    """Apertium stream format -> plain text: unescape, drop superblank brackets."""
    out, i, n = [], 0, len(stream)
    while i < n:
        c = stream[i]
        if c == "\\" and i + 1 < n:
            out.append(stream[i + 1])
            i += 2
            continue
        if c not in "[]":
            out.append(c)
        i += 1
    return " ".join("".join(out).split())


class PipelineDied(TranslationError):
    """The process chain exited (crashed or was killed)."""


class Pipeline:
    """One long-lived null-flush Apertium process chain for one direction."""

    def __init__(self, command: str, option: str, timeout: float):
        self.command = command
        self.option = option
        self.timeout = timeout
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.starts = 0

    def _start(self):
        self._proc = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", "-c", self.command, "apertium", self.option, ""],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True)  # own process group, so a hung chain can be killed whole
        self.starts += 1

    def _kill(self):
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def run(self, segments: list[str]) -> list[str]:
        """Stream-format segments in, stream-format translations out (same count).

        A chain found dead (killed since the last call) is restarted once; a timeout or a
        short answer is not retried.
        """
        with self._lock:
            retried = False
            while True:
                fresh = self._proc is None or self._proc.poll() is not None
                if fresh:
                    self._kill()
                    self._start()
                try:
                    return self._exchange(
                        segments, self.timeout + (START_GRACE_SECONDS if fresh else 0))
                except PipelineDied:
                    self._kill()
                    if fresh or retried:
                        raise
                    retried = True
                except BaseException:
                    self._kill()
                    raise

    def _exchange(self, segments: list[str], timeout: float) -> list[str]:
        proc = self._proc
        payload = "".join(s + "\0" for s in segments).encode("utf-8")
        failure: list[BaseException] = []

        def write():  # in a thread: a large batch would fill the pipes while we are not reading
            try:
                proc.stdin.write(payload)
                proc.stdin.flush()
            except OSError as exc:
                failure.append(exc)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        deadline = time.monotonic() + timeout
        fd, chunks, seen = proc.stdout.fileno(), [], 0
        while seen < len(segments):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TranslationError(f"Apertium did not answer within {timeout:.0f} s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise PipelineDied("Apertium stopped unexpectedly"
                                   + (f" ({failure[0]})" if failure else ""))
            chunks.append(chunk)
            seen += chunk.count(b"\0")
        writer.join(timeout=1)
        parts = b"".join(chunks).split(b"\0")
        if seen != len(segments) or parts[-1]:
            raise TranslationError(f"Apertium returned {seen} texts for {len(segments)}")
        return [p.decode("utf-8", errors="replace") for p in parts[:-1]]

    def close(self):
        with self._lock:
            self._kill()


class ApertiumTranslator(Translator):
    """Apertium through `pivot` (a 3-letter code such as "spa" or "cat"; "" for a direct pair)."""

    def __init__(self, pivot: str = "spa", timeout: float = 20.0):
        self.pivot = pivot
        self.timeout = timeout
        self._pipelines: dict[tuple[str, str], Pipeline] = {}
        self._lock = threading.Lock()
        self._problem = self._check()
        via = f" via {LANGUAGE_NAMES.get(pivot, pivot)}" if pivot else ""
        self.name = f"Apertium{via}"
        self.key = f"apertium-{self._version()}:{pivot or 'direct'}"

    # -- discovery -------------------------------------------------------------
    @staticmethod
    def _modes_dir() -> Path | None:
        binary = shutil.which("apertium")
        return Path(binary).resolve().parent.parent / "share/apertium/modes" if binary else None

    def pairs(self, source: str, target: str) -> list[str] | None:
        """The Apertium pairs chained for source -> target, or None if a code is unknown."""
        src, tgt = APERTIUM_CODES.get(source), APERTIUM_CODES.get(target)
        if not src or not tgt or src == tgt:
            return None
        if not self.pivot or self.pivot in (src, tgt):
            return [f"{src}-{tgt}"]
        return [f"{src}-{self.pivot}", f"{self.pivot}-{tgt}"]

    def _check(self) -> str:
        for tool in ("apertium", "apertium-wblank-mode", "lt-proc", "bash"):
            if not shutil.which(tool):
                return f"Apertium is not installed ({tool} not found; apt install {PACKAGES})"
        return ""

    def _version(self) -> str:
        if self._problem:
            return "missing"
        try:
            out = subprocess.run(["apertium", "-V"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return "unknown"
        found = re.search(r"\d+(?:\.\d+)+", out.stdout + out.stderr)
        return found.group(0) if found else "unknown"

    @property
    def available(self) -> bool:
        return not self._problem

    @property
    def unavailable_reason(self) -> str:
        return self._problem

    def supports(self, source: str, target: str) -> bool:
        pairs = self.pairs(source, target)
        modes = self._modes_dir()
        return bool(pairs and modes and all((modes / f"{p}.mode").is_file() for p in pairs))

    def _pipeline(self, source: str, target: str) -> Pipeline:
        with self._lock:
            pipeline = self._pipelines.get((source, target))
            if pipeline is None:
                if not self.supports(source, target):
                    needed = ", ".join(self.pairs(source, target) or ["?"])
                    raise TranslatorUnavailable(
                        f"Apertium has no {source}->{target} translation here (needs the modes "
                        f"{needed}; apt install {PACKAGES})")
                modes = self._modes_dir()
                stages = []
                for pair in self.pairs(source, target):
                    try:
                        mode = subprocess.run(
                            ["apertium-wblank-mode", "-z", str(modes / f"{pair}.mode")],
                            capture_output=True, text=True, check=True, timeout=10).stdout
                    except (OSError, subprocess.SubprocessError) as exc:
                        raise TranslatorUnavailable(f"cannot read Apertium mode {pair}: {exc}")
                    stages.append(f"( {mode.strip()} )")
                # "$1" -n: unknown words pass through unmarked; "$2": no tagger option.
                pipeline = Pipeline(" | ".join(stages), "-n", self.timeout)
                self._pipelines[(source, target)] = pipeline
            return pipeline

    # -- translating -----------------------------------------------------------
    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        if self._problem:
            raise TranslatorUnavailable(self._problem)
        if source == target:
            return list(texts)
        pipeline = self._pipeline(source, target)
        # Each line of each text is one segment, so paragraph breaks survive.
        layout: list[list[str]] = []
        segments: list[str] = []
        for text in texts:
            pieces = _SEGMENT_SPLIT.split(text)
            layout.append(pieces)
            segments.extend(deformat(p) for p in pieces[0::2] if p.strip())
        translated = iter(reformat(s) for s in pipeline.run(segments)) if segments else iter(())
        out = []
        for pieces in layout:
            rebuilt = [next(translated) if i % 2 == 0 and piece.strip() else piece
                       for i, piece in enumerate(pieces)]
            out.append("".join(rebuilt).strip())
        return out

    def close(self):
        with self._lock:
            for pipeline in self._pipelines.values():
                pipeline.close()
            self._pipelines.clear()
