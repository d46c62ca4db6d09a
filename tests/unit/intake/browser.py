"""Headless Chromium and poppler for the report tests: screenshots, the laid-out DOM, A4 PDFs and their pages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.unit.intake.raster import Raster, read_pgm, read_png

# What works as root in a container: no sandbox, no GPU, and no background connections (they hang).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TOOLS = {"chromium": "chromium", "pdftoppm": "poppler-utils", "pdfinfo": "poppler-utils", "fc-list": "fontconfig"}
CJK_SAMPLE = "投诉"


def missing_tools() -> list[str]:
    """What this machine lacks to show the report as a reader sees it (empty when all is there)."""
    missing = [f"{tool} (apt-get install {package})" for tool, package in TOOLS.items() if not shutil.which(tool)]
    if shutil.which("fc-list"):
        charset = ":charset=" + " ".join(f"{ord(c):x}" for c in CJK_SAMPLE)
        fonts = subprocess.run(["fc-list", charset, "family"], capture_output=True, text=True, check=False)
        if not fonts.stdout.strip():
            missing.append("a CJK font (apt-get install fonts-noto-cjk)")
    return missing


def require_browser() -> None:
    """Skip without Chromium, poppler or a CJK font, except in CI (CI=true), where that is a failure."""
    missing = missing_tools()
    if not missing:
        return
    reason = "cannot check the report in a browser, missing: " + ", ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (.ci/run installs them)")
    pytest.skip(reason)


def chromium(page: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run Chromium on a page with a fresh profile; its stdout."""
    with tempfile.TemporaryDirectory(prefix="tousu-chromium-") as profile:
        command = ["chromium", *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False, env={**os.environ, **(env or {})}
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(page: Path, *, width: int, height: int, env: Mapping[str, str] | None = None) -> Raster:
    """The page as shown in a width x height window (without scroll bars)."""
    shot = page.with_suffix(".png")
    chromium(page, f"--screenshot={shot}", f"--window-size={width},{height}", "--hide-scrollbars", env=env)
    return read_png(shot.read_bytes())


def dump_dom(page: Path, *, width: int) -> str:
    """The DOM after load (and after the page's scripts ran) in a window `width` px wide, scroll bars shown."""
    return chromium(page, "--dump-dom", f"--window-size={width},900")


def print_pdf(page: Path) -> Path:
    """The page printed to PDF without Chromium's header and footer (date, URL)."""
    pdf = page.with_suffix(".pdf")
    chromium(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    return pdf


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Width and height in points of every page."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True)
    return [(float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info.stdout)]


def pages(pdf: Path, *, dpi: int) -> list[Raster]:
    """Every page rasterised in grey by pdftoppm."""
    prefix = pdf.with_name(pdf.stem + "-page")
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=120)
    return [read_pgm(p.read_bytes()) for p in sorted(pdf.parent.glob(prefix.name + "-*.pgm"))]
