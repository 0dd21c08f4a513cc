"""Take the pictures of ``docs/public.md`` from the real pages (not a test).

Builds Kent in a throw-away SQLite file with a few crimes, a meeting and its priorities, serves
it, and saves ``docs/img/public-*.png`` from Debian's Chromium, at desktop and phone width.

Run: ``.venv/bin/python tests/public/take_screenshots.py``
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from playwright.sync_api import sync_playwright  # noqa: E402
from publickit import SLUG, USERS, meeting, seed_crimes  # noqa: E402

from constable.auth.deps import COOKIE  # noqa: E402
from support import CHROMIUM, CHROMIUM_ARGS, served_kent  # noqa: E402

OUT = Path(__file__).parents[2] / "docs" / "img"


def main() -> None:
    """Serve, seed and photograph."""
    os.environ["CONSTABLE_PUBLIC_RATE_BURST"] = "100000"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'kent.db'}"
        with served_kent(url, USERS) as served:
            seed_crimes(served)
            made = served["csu-maidstone"].post("/api/priorities/meetings", json=meeting())
            made.raise_for_status()
            first = made.json()["priorities"][0]["id"]
            served["csu-maidstone"].post(
                f"/api/priorities/{first}/actions",
                json={"done_on": made.json()["held_on"], "text": "Speed checks twice a week"},
            ).raise_for_status()
            token = served["csu-maidstone"].headers["Authorization"].split(" ", 1)[1]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                shots = [
                    ("public-find", "/neighbourhood?district=maidstone", 1100, False),
                    ("public-neighbourhood", f"/neighbourhood/{SLUG}", 1100, True),
                    ("public-phone", f"/neighbourhood/{SLUG}", 375, False),
                    ("public-error", "/neighbourhood?postcode=ME99+9ZZ", 375, False),
                    ("public-priorities", "/priorities?district=maidstone", 1100, False),
                ]
                for name, path, width, full in shots:
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    if name == "public-priorities":
                        host = served.base_url.split("//", 1)[1].split(":")[0]
                        context.add_cookies(
                            [{"name": COOKIE, "value": token, "domain": host, "path": "/"}]
                        )
                    page = context.new_page()
                    page.goto(served.base_url + path)
                    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
                    context.close()
                    print(OUT / f"{name}.png")
                browser.close()


if __name__ == "__main__":
    main()
