"""The published page in a real browser: headless Chromium loads it, the overview is there, and
clicking a column header sorts the table (the page's own inline script, no network)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sfmbench.leaderboard import build_leaderboard

from .lb_rows import frame_from

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                "(Debian: apt-get install chromium)")

#: clicks the overview's "task" header twice (ascending, then descending) once the page loaded
CLICK = """<script>
window.addEventListener('load', function () {
  var th = document.querySelector('#overview thead th:nth-child(2)');
  th.click(); th.click();
  document.body.setAttribute('data-clicked', th.getAttribute('aria-sort'));
});
</script>"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium with a fresh profile and nothing that reaches the network."""
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
           "--virtual-time-budget=5000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})


def page(tmp_path: Path) -> Path:
    rows = frame_from({(f"gen/ts-{h}", m): vals
                       for h in (96, 192, 336, 720)
                       for m, vals in (("autoar", [0.40 + h / 1e4]),
                                       ("chronos", [0.43, 0.44 + h / 1e4]))})
    return build_leaderboard(rows, tmp_path / "out", n_resamples=200).paths["html"]


def overview_tasks(dom: str) -> list[str]:
    table = dom.split('id="overview"')[1].split("</tbody>")[0]
    return re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", table)


def test_chromium_renders_the_overview_and_sorts_on_click(tmp_path):
    html = page(tmp_path)
    plain = chromium(tmp_path, "--dump-dom", html.as_uri())
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert "<h2>Overview</h2>" in plain.stdout
    before = overview_tasks(plain.stdout)
    assert before == ["gen/ts-96", "gen/ts-192", "gen/ts-336", "gen/ts-720"]

    clicked = tmp_path / "out" / "clicked.html"
    clicked.write_text(html.read_text(encoding="utf-8").replace("</body>", CLICK + "</body>"),
                       encoding="utf-8")
    done = chromium(tmp_path, "--dump-dom", clicked.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'data-clicked="descending"' in done.stdout
    assert overview_tasks(done.stdout) == before[::-1]      # natural order, reversed


def test_chromium_screenshot_of_the_page(tmp_path):
    html = page(tmp_path)
    shot = Path(os.environ.get("SFMBENCH_SCREENSHOT_DIR", tmp_path)) / "leaderboard.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1600",
                      "--hide-scrollbars", html.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
