"""An evaluation run as Markdown and JSON, stamped so that runs can be compared."""
from __future__ import annotations

import dataclasses
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from .runner import SetResult

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def git_commit(root: Path = PROJECT_ROOT) -> str:
    """Short commit hash, with "+dirty" when the work tree has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, check=True, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def effective_settings(config: Config, embedder_name: str) -> dict:
    return {
        "search": dataclasses.asdict(config.search),
        "index": {"passage_min_words": config.index.passage_min_words,
                  "passage_max_words": config.index.passage_max_words},
        "corpus": {"languages": config.corpus.languages,
                   "default_language": config.corpus.default_language},
        "embedder": {"name": config.embedder.name, "model": config.embedder.model,
                     "vector_space": embedder_name, "context": config.embedder.context},
    }


@dataclass
class Run:
    results: list[SetResult]
    settings: dict
    overrides: list[str]
    sample: int | None
    data: str
    seconds: float
    date: str  # when the run started, like the commit
    commit: str


def to_json(run: Run) -> dict:
    sets = []
    for r in run.results:
        item = dataclasses.asdict(r)
        for mode, res in r.modes.items():
            item["modes"][mode]["ms_per_query"] = round(res.ms_per_query, 2)
        sets.append(item)
    return {"date": run.date, "commit": run.commit, "data": run.data, "sample": run.sample,
            "overrides": run.overrides, "settings": run.settings,
            "seconds": round(run.seconds, 1), "sets": sets}


def _changed_search_settings(settings: dict) -> str:
    s = settings["search"]
    keys = ["fusion", "rrf_k", "keyword_weight", "other_language_keyword_factor", "candidates",
            "semantic_min_score", "semantic_null_margin", "default_operator", "title_boost", "section_boost"]
    return ", ".join(f"{k}={s[k]}" for k in keys if k in s)


def to_markdown(run: Run) -> str:
    idx = run.settings["index"]
    lines = [
        f"Evaluation run {run.date}, commit `{run.commit}`, "
        f"{'sample of ' + str(run.sample) + ' queries per set' if run.sample else 'all queries'}"
        f", {run.seconds:.0f} s in all.",
        "",
        f"Configuration: embedder `{run.settings['embedder']['vector_space']}` "
        f"(context: {', '.join(run.settings['embedder'].get('context', [])) or 'none'}), passages "
        f"{idx['passage_min_words']}–{idx['passage_max_words']} words, "
        f"{_changed_search_settings(run.settings)}"
        + (f"; overrides: {', '.join(run.overrides)}" if run.overrides else "") + ".",
        "",
        "| set | mode | queries | Recall@10 | MRR@10 | nDCG@10 | top-1 | time (s) | ms/query |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run.results:
        best = max((m.recall for m in r.modes.values()), default=0.0)
        for mode, m in r.modes.items():
            recall = f"**{m.recall:.3f}**" if m.recall == best and len(r.modes) > 1 else \
                f"{m.recall:.3f}"
            lines.append(f"| {r.name} | {mode} | {m.queries} | {recall} | {m.mrr:.3f} | "
                         f"{m.ndcg:.3f} | {m.top1:.3f} | {m.seconds:.1f} | "
                         f"{m.ms_per_query:.1f} |")
    notes = [f"- {r.name}: {r.unindexed} of {r.corpus_records} corpus records were not "
             f"indexed (skipped by the pipeline)" for r in run.results if r.unindexed]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
