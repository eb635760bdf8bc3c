"""Apertium (rule-based, offline) as a translation backend, through a pivot language.

There is no English–Italian Apertium pair, so en->it runs `eng-<pivot> | <pivot>-ita`
and it->en the reverse. Starting Apertium costs ~0.5 s (it loads a dozen
transducers per pair), so each direction is one long-lived pipeline in
null-flush mode (`-z`): every text goes in followed by a NUL, and each stage
flushes its output when it sees one, so a whole page of texts is one round trip
of a few tens of milliseconds and each text's translation comes back NUL-terminated.
The count of NULs read back must equal the count written; a pipeline that
dies, hangs past the timeout or answers short is killed and restarted on the next call.

Texts are fed in Apertium's stream format and read back out of it by `stream.Line`,
which also keeps names as written and puts the source word back for a pivot word the
second pair could not translate. To find those, the pipeline tees the pivot into the
second pair's own analyser, whose answer comes back on a second stream; a line with
such a word goes through the first pair once more, aligned (see stream.py).
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
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from .interface import TranslationError, Translator, TranslatorUnavailable
from .stream import Line, unknown_words, word_list

log = logging.getLogger("newsdesk")

# ISO 639-1 (what the index uses) -> the ISO 639-3 codes Apertium names its pairs with.
APERTIUM_CODES = {"en": "eng", "it": "ita", "es": "spa", "ca": "cat", "fr": "fra",
                  "pt": "por", "de": "deu", "oc": "oci", "ro": "ron"}
LANGUAGE_NAMES = {"spa": "Spanish", "cat": "Catalan", "fra": "French", "por": "Portuguese",
                  "eng": "English", "ita": "Italian", "oci": "Occitan", "ron": "Romanian"}
PACKAGES = "apertium apertium-eng-spa apertium-spa-ita"
REVISION = 2  # of what is done around Apertium, for the cache (2: no pivot leaks, names kept)

_SEGMENT_SPLIT = re.compile(r"(\s*\n\s*)")
START_GRACE_SECONDS = 30.0  # the first batch also waits for the transducers to load


class PipelineDied(TranslationError):
    """The process chain exited (crashed or was killed)."""


class Pipeline:
    """One long-lived null-flush Apertium process chain: pairs, or an analyser. With `side`,
    the chain also writes a second stream to the file descriptor "$3"."""

    def __init__(self, command: str, option: str, timeout: float, side: bool = False):
        self.command = command
        self.option = option
        self.timeout = timeout
        self.side = side
        self._proc: subprocess.Popen | None = None
        self._side_fd: int | None = None  # our end of the side stream
        self._lock = threading.Lock()
        self.starts = 0

    def _start(self):
        args = [shutil.which("bash") or "/bin/bash", "-c", self.command, "apertium",
                self.option, ""]
        theirs = ()
        if self.side:
            self._side_fd, write_end = os.pipe()
            args.append(str(write_end))
            theirs = (write_end,)
        try:
            self._proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                pass_fds=theirs, start_new_session=True)  # own group: a hung chain dies whole
        finally:
            for fd in theirs:
                os.close(fd)
        self.starts += 1

    def _kill(self):
        proc, self._proc = self._proc, None
        side, self._side_fd = self._side_fd, None
        if side is not None:
            os.close(side)
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
        """Stream-format segments in, stream-format translations out (same count)."""
        return self.run_all(segments)[0]

    def run_all(self, segments: list[str]) -> list[list[str]]:
        """Like `run`, with the side stream's texts after the translations.

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

    def _exchange(self, segments: list[str], timeout: float) -> list[list[str]]:
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
        fds = [proc.stdout.fileno()] + ([self._side_fd] if self.side else [])
        chunks: dict[int, list[bytes]] = {fd: [] for fd in fds}
        seen = dict.fromkeys(fds, 0)
        while waiting := [fd for fd in fds if seen[fd] < len(segments)]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TranslationError(f"Apertium did not answer within {timeout:.0f} s")
            for fd in select.select(waiting, [], [], left)[0]:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise PipelineDied("Apertium stopped unexpectedly"
                                       + (f" ({failure[0]})" if failure else ""))
                chunks[fd].append(chunk)
                seen[fd] += chunk.count(b"\0")
        writer.join(timeout=1)
        return [_texts(b"".join(chunks[fd]), len(segments)) for fd in fds]

    def close(self):
        with self._lock:
            self._kill()


def _texts(stream: bytes, expected: int) -> list[str]:
    """A chain's NUL-terminated output, checked to hold `expected` texts."""
    parts = stream.split(b"\0")
    if len(parts) - 1 != expected or parts[-1]:
        raise TranslationError(f"Apertium returned {len(parts) - 1} texts for {expected}")
    return [p.decode("utf-8", errors="replace") for p in parts[:-1]]


def _analyser(mode: str) -> str:
    """A pair's first stage: the morphological analyser of its source language."""
    return mode.split(" | ", 1)[0]


def _dictionary_size(stage: str) -> int:
    found = re.search(r"'([^']+\.bin)'", stage)
    try:
        return Path(found[1]).stat().st_size if found else 0
    except OSError:
        return 0


@dataclass
class Direction:
    """The pipelines of one direction. `chain` runs the pairs one after the other; through
    a pivot, its side stream is the pivot as the second pair's analyser reads it, `first`
    is the first pair alone (to align the lines that leak) and `target_analyser` looks
    words up in the target language (stream.py says why)."""

    chain: Pipeline
    first: Pipeline | None = None
    target_analyser: Pipeline | None = None

    def pipelines(self) -> list[Pipeline]:
        return [p for p in (self.chain, self.first, self.target_analyser) if p]


class ApertiumTranslator(Translator):
    """Apertium through `pivot` (a 3-letter code such as "spa" or "cat"; "" for a direct pair)."""

    def __init__(self, pivot: str = "spa", timeout: float = 20.0):
        self.pivot = pivot
        self.timeout = timeout
        self._directions: dict[tuple[str, str], Direction] = {}
        self._supported: set[tuple[str, str]] = set()  # found installed (a search asks twice)
        self._lock = threading.Lock()
        self._problem = self._check()
        via = f" via {LANGUAGE_NAMES.get(pivot, pivot)}" if pivot else ""
        self.name = f"Apertium{via}"
        self.key = f"apertium-{self._version()}-r{REVISION}:{pivot or 'direct'}"

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
        for tool in ("apertium", "apertium-wblank-mode", "lt-proc", "bash", "tee"):
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
        """Whether the pairs are installed (once found, remembered: looking up the
        binary's folder on PATH cost 0.25 ms)."""
        if (source, target) in self._supported:
            return True
        pairs = self.pairs(source, target)
        modes = self._modes_dir()
        found = bool(pairs and modes and all((modes / f"{p}.mode").is_file() for p in pairs))
        if found:
            self._supported.add((source, target))
        return found

    def _mode(self, pair: str) -> str:
        """The shell pipeline of an installed pair, in null-flush mode."""
        try:
            return subprocess.run(
                ["apertium-wblank-mode", "-z", str(self._modes_dir() / f"{pair}.mode")],
                capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            raise TranslatorUnavailable(f"cannot read Apertium mode {pair}: {exc}")

    def _direction(self, source: str, target: str) -> Direction:
        with self._lock:
            direction = self._directions.get((source, target))
            if direction is None:
                if not self.supports(source, target):
                    needed = ", ".join(self.pairs(source, target) or ["?"])
                    raise TranslatorUnavailable(
                        f"Apertium has no {source}->{target} translation here (needs the modes "
                        f"{needed}; apt install {PACKAGES})")
                # "$1" -n: unknown words pass through unmarked; "$2": no tagger option.
                modes = [self._mode(pair) for pair in self.pairs(source, target)]
                if len(modes) == 1:
                    direction = Direction(Pipeline(modes[0], "-n", self.timeout))
                else:
                    chain = (f"( {modes[0]} ) | tee >( {_analyser(modes[1])} >&\"$3\" ) | "
                             f"( {modes[1]} )")
                    direction = Direction(Pipeline(chain, "-n", self.timeout, side=True),
                                          Pipeline(modes[0], "-n", self.timeout),
                                          self._target_analyser(target))
                self._directions[(source, target)] = direction
            return direction

    def _target_analyser(self, target: str) -> Pipeline | None:
        """The target language's analyser with the biggest dictionary installed: Spanish
        `furioso` is an Italian word too, which apertium-cat-ita knows and spa-ita does not."""
        stages = [_analyser(self._mode(mode.stem)) for mode in
                  sorted(self._modes_dir().glob(f"{APERTIUM_CODES[target]}-*.mode"))]
        return Pipeline(max(stages, key=_dictionary_size), "", self.timeout) if stages else None

    # -- translating -----------------------------------------------------------
    def _run(self, lines: list[Line], source: str, target: str) -> list[str]:
        direction = self._direction(source, target)
        streams = [line.stream() for line in lines]
        if direction.first is None:
            return [line.plain(out) for line, out in zip(lines, direction.chain.run(streams))]
        outs, analyses = direction.chain.run_all(streams)
        leaks = [line.leaks(unknown_words(analysis)) for line, analysis in zip(lines, analyses)]
        leaks = self._not_in_target(direction, leaks)
        leaky = [i for i, words in enumerate(leaks) if words]
        aligned = (dict(zip(leaky, direction.first.run([lines[i].stream(aligned=True)
                                                        for i in leaky]))) if leaky else {})
        return [line.plain(out, words, aligned.get(i, ""))
                for i, (line, out, words) in enumerate(zip(lines, outs, leaks))]

    @staticmethod
    def _not_in_target(direction: Direction, leaks: list[set[str]]) -> list[set[str]]:
        """Drops the leaked pivot words that are words of the target language too."""
        if direction.target_analyser is None or not any(leaks):
            return leaks
        found = [words for words in leaks if words]
        unknown = iter(direction.target_analyser.run([word_list(words) for words in found]))
        return [words & unknown_words(next(unknown)) if words else words for words in leaks]

    def translate(self, texts: list[str], source: str, target: str,
                  names: Collection[str] = ()) -> list[str]:
        if self._problem:
            raise TranslatorUnavailable(self._problem)
        if source == target:
            return list(texts)
        # Each line of each text is one segment, so paragraph breaks survive.
        layout = [_SEGMENT_SPLIT.split(text) for text in texts]
        lines = [Line.read(p, names) for pieces in layout for p in pieces[0::2] if p.strip()]
        translated = iter(self._run(lines, source, target) if lines else ())
        out = []
        for pieces in layout:
            rebuilt = [next(translated) if i % 2 == 0 and piece.strip() else piece
                       for i, piece in enumerate(pieces)]
            out.append("".join(rebuilt).strip())
        return out

    def close(self):
        with self._lock:
            for direction in self._directions.values():
                for pipeline in direction.pipelines():
                    pipeline.close()
            self._directions.clear()
