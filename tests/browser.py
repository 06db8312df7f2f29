"""Headless Chromium for tests: render a page and read back the DOM it built."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHARTS = {
    "cost_per_outcome",
    "hidden_recompute",
    "cost_by_trigger",
    "latency",
    "retry_rate",
    "cache_hit_rate",
}


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


class Dom(HTMLParser):
    """Elements of the rendered DOM with the tags found inside each chart."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.charts: dict[str, Counter[str]] = {}
        self.by_id: dict[str, dict[str, str]] = {}
        self.text_by_id: dict[str, list[str]] = {}
        self.tags: Counter[str] = Counter()
        self.bars: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags[tag] += 1
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes
        for _, parent in self.stack:
            if "chart" in parent.get("class", "").split():
                self.charts[parent["data-chart"]][tag] += 1
                if "bar" in attributes.get("class", "").split():
                    self.bars[parent["data-chart"]].append(attributes.get("data-status", ""))
        if "chart" in attributes.get("class", "").split():
            self.charts[attributes["data-chart"]] = Counter()
            self.bars[attributes["data-chart"]] = []
        if tag not in ("br", "meta", "img", "hr", "input"):  # void elements never close
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, attributes in self.stack:
            if "id" in attributes:
                self.text_by_id.setdefault(attributes["id"], []).append(data)

    def text(self, element_id: str) -> str:
        return " ".join(" ".join(self.text_by_id.get(element_id, [])).split())


def dump_dom(tmp_path: Path, report: Path) -> Dom:
    done = chromium(tmp_path, "--dump-dom", report.as_uri())
    dom = Dom()
    dom.feed(done.stdout)
    return dom
