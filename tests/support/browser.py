"""Launches Debian's Chromium through playwright for the browser tests.

``playwright install`` cannot download a browser here (no internet), so the tests drive the system Chromium with
the flags that keep it from calling home: without them it floods the closed network with refused connections.
Each launch gets a fresh user-data directory, so no state leaks between test runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# Pages may make sound without a click: the face simulator's audio tests need a running AudioContext.
AUTOPLAY_ARGS: tuple[str, ...] = ("--autoplay-policy=no-user-gesture-required",)


def chromium_path() -> Path:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"Chromium is not installed at {CHROMIUM}: "
            "run `make test` (it installs it) or `apt-get install -y chromium`"
        )
    return CHROMIUM


@asynccontextmanager
async def launch_chromium(
    *, autoplay: bool = False, viewport: tuple[int, int] = (900, 640)
) -> AsyncIterator[BrowserContext]:
    """A headless Chromium context with a fresh profile; ``autoplay`` lets pages play audio without a gesture."""
    executable = chromium_path()
    args = list(CHROMIUM_ARGS) + (list(AUTOPLAY_ARGS) if autoplay else [])
    with tempfile.TemporaryDirectory(prefix="companion-chromium-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(executable),
                args=args,
                headless=True,
                viewport={"width": viewport[0], "height": viewport[1]},
            )
            try:
                yield context
            finally:
                await context.close()
