"""Screenshot of a leaderboard page in headless Chromium (for review of the published page).

    python benchmarks/page_screenshot.py sfmbench-demo/leaderboard/leaderboard.html \
        benchmarks/demo-leaderboard.png [--height 2400]

Chromium runs with a fresh profile and nothing that reaches the network; the page itself loads
nothing from outside. Ends with one JSON line (the output path and its size).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args()
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(n)), None)
    if browser is None:
        raise SystemExit("headless Chromium is not installed (Debian: apt-get install chromium)")
    args.png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                        "--hide-scrollbars", f"--window-size={args.width},{args.height}",
                        f"--screenshot={args.png.resolve()}", args.page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=300)
    print(json.dumps({"screenshot": str(args.png), "bytes": args.png.stat().st_size}))


if __name__ == "__main__":
    main()
