"""The run report in a real browser: it draws something, raises no console error, and fits a phone.

tests/test_report.py checks the page's HTML; only a browser shows whether it
renders. Headless Chromium (Debian's ``chromium``; CI installs it) is driven
over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON
messages separated by NUL bytes on file descriptors 3 and 4), which needs no
Python package, no WebDriver and no network, and reports console calls,
uncaught exceptions and failed loads as events rather than log lines to
parse. Without Chromium these tests fail: a skipped browser test would let a
broken page through unseen.

The checks are only worth something if they can fail, so the same
:func:`assert_renders_cleanly` is first shown to reject deliberately broken
pages: a console error, an uncaught exception, a missing file, an image that
does not decode, a blank page, a page wider than a phone.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

import sim
from sim.report import write_report
from tests.test_report import CONGRESS_YEAR, COUNTY

CHROMIUM = "chromium"
DESKTOP, PHONE = 1280, 390
#: Seconds to wait for any one answer of the browser before the test fails instead of hanging.
TIMEOUT = 30.0
#: A page counts as drawn when this share of its pixels differs from its background colour...
MIN_INK_SHARE = 0.02
#: ...in at least this many distinct colours (text alone is a few greys; figures add the palette and antialiasing).
MIN_COLOURS = 64
#: Console message types and log levels that count as errors.
ERROR_TYPES = {"error", "assert"}
#: The figures' <img> elements that did not decode (a truncated or malformed data: URI fails silently otherwise).
BROKEN_IMAGES = "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)"
#: How far the page is wider than the window, in CSS pixels (0 when nothing scrolls sideways).
OVERFLOW = "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"


class BrowserError(RuntimeError):
    """Chromium did not answer, closed the pipe or refused a command."""


@dataclass
class Rendering:
    """What the browser made of a page: errors it reported, a full-page screenshot, its layout."""

    errors: list[str]
    broken_images: list[str]
    overflow_px: float
    png: bytes


class Browser:
    """One headless Chromium, driven over the DevTools protocol on a pipe; each page opens in a fresh tab."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Above 4, so that placing them on 3 and 4 in the child cannot overwrite one with the other.
        child_in, child_out = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)

        def pipe_on_3_and_4() -> None:  # dup2 clears close-on-exec: Chromium inherits exactly these two
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            preexec_fn=pipe_on_3_and_4,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict] = []

    def close(self) -> None:
        """Ask Chromium to quit; kill it if it does not within a few seconds."""
        with contextlib.suppress(BrokenPipeError):
            self._send("Browser.close")
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._last_id += 1
        message = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._last_id

    def _next_message(self) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_browser], [], [], TIMEOUT)
            chunk = os.read(self._from_browser, 1 << 20) if ready else b""
            if not chunk:
                raise BrowserError("Chromium " + ("closed the DevTools pipe" if ready else f"silent for {TIMEOUT:g} s"))
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result; events arriving meanwhile are kept for :meth:`wait_for`."""
        sent = self._send(method, params, session)
        while (message := self._next_message()).get("id") != sent:
            self._events.append(message)
        if "error" in message:
            raise BrowserError(f"{method}: {message['error']}")
        return message.get("result", {})

    def wait_for(self, method: str, session: str) -> None:
        """Read until the event ``method`` of this tab has arrived (it may have already)."""
        while not any(e.get("method") == method and e.get("sessionId") == session for e in self._events):
            self._events.append(self._next_message())

    def render(self, page: Path, width: int, height: int = 900) -> Rendering:
        """Load ``page`` in a new tab ``width`` CSS pixels wide (a phone below 600), after its load event."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            for domain in ("Runtime", "Log", "Page"):
                self.call(f"{domain}.enable", session=session)
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
                session,
            )
            navigation = self.call("Page.navigate", {"url": page.resolve().as_uri()}, session)
            if "errorText" in navigation:
                raise BrowserError(f"{page}: {navigation['errorText']}")
            self.wait_for("Page.loadEventFired", session)
            content = self.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
            shot = self.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": content["height"], "scale": 1},
                },
                session,
            )
            return Rendering(
                errors=problems([e for e in self._events if e.get("sessionId") == session]),
                broken_images=self.evaluate(BROKEN_IMAGES, session),
                overflow_px=self.evaluate(OVERFLOW, session),
                png=base64.b64decode(shot["data"]),
            )
        finally:
            self.call("Target.closeTarget", {"targetId": target})
            self._events = [e for e in self._events if e.get("sessionId") != session]

    def evaluate(self, expression: str, session: str):
        """The value of a JavaScript expression in the tab (JSON-serialisable values only)."""
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)["result"][
            "value"
        ]


def problems(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions and browser-logged errors (failed loads...) among DevTools events."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ERROR_TYPES:
            found.append(
                "console."
                + params["type"]
                + ": "
                + " ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            found.append("uncaught: " + details.get("exception", {}).get("description", details["text"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] in ERROR_TYPES:
            entry = params["entry"]
            found.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}".strip())
    return found


def ink(png: bytes) -> tuple[float, int]:
    """(share of pixels unlike the background, number of distinct colours) of a screenshot.

    The background is the most common colour, whatever the page's theme.
    """
    pixels = (image.imread(io.BytesIO(png), format="png")[..., :3] * 255).round().astype(np.uint32)
    packed = (pixels[..., 0] << 16 | pixels[..., 1] << 8 | pixels[..., 2]).ravel()
    colours, counts = np.unique(packed, return_counts=True)
    return 1.0 - counts.max() / packed.size, len(colours)


def assert_renders_cleanly(rendering: Rendering, check_overflow: bool = False) -> None:
    """No error in the console, every image decoded, something drawn, and (if asked) nothing wider than the window."""
    assert rendering.errors == [], rendering.errors
    assert rendering.broken_images == [], f"images that did not decode: {rendering.broken_images}"
    share, colours = ink(rendering.png)
    assert share >= MIN_INK_SHARE and colours >= MIN_COLOURS, f"blank page: {share:.2%} ink in {colours} colours"
    if check_overflow:
        assert rendering.overflow_px == 0, f"page {rendering.overflow_px} px wider than the window"


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail(f"{CHROMIUM} is not installed (Debian: apt-get install chromium); the report cannot be checked")
    chromium = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def run_report(tmp_path_factory) -> Path:
    result = sim.run(sim.load_scenario(COUNTY, CONGRESS_YEAR))
    return write_report(result.save(tmp_path_factory.mktemp("run") / "county"))


# ---------------------------------------------------------------------------
# The harness can fail
# ---------------------------------------------------------------------------

#: A page that is visibly drawn (text on colour), to which each broken case adds one fault.
DRAWN = (
    "<h1 style='font-size:80px'>A drawn page</h1>"
    "<div style='height:300px; background:linear-gradient(red, blue)'></div>"
)
#: Each broken case: (page body, what the failure message must say).
BROKEN = {
    "console error": (DRAWN + "<script>console.error('boom')</script>", "boom"),
    "uncaught exception": (DRAWN + "<script>undefined_function()</script>", "undefined_function"),
    "missing file": (DRAWN + "<link rel='stylesheet' href='missing.css'>", "missing.css"),
    "undecodable figure": (DRAWN + "<img alt='fig' src='data:image/png;base64,AAAA'>", "did not decode"),
    "blank page": ("<p></p>", "blank page"),
    "wider than a phone": (DRAWN + "<div style='width:2000px'>wide</div>", "wider than the window"),
}


def _page(directory: Path, body: str) -> Path:
    """A page of ``body`` laid out for the device's width, as the report is."""
    page = directory / "page.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'></head>"
        f"<body>{body}</body></html>"
    )
    return page


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_the_check_catches_a_broken_page(browser, tmp_path, case):
    body, expected = BROKEN[case]
    with pytest.raises(AssertionError, match=expected):
        assert_renders_cleanly(browser.render(_page(tmp_path, body), PHONE), check_overflow=True)


def test_the_check_passes_a_sound_page(browser, tmp_path):
    assert_renders_cleanly(browser.render(_page(tmp_path, DRAWN), PHONE), check_overflow=True)


# ---------------------------------------------------------------------------
# The run report
# ---------------------------------------------------------------------------


def test_run_report_renders_on_a_desktop_without_errors(browser, run_report):
    assert_renders_cleanly(browser.render(run_report, DESKTOP), check_overflow=True)


def test_run_report_fits_a_phone(browser, run_report):
    assert_renders_cleanly(browser.render(run_report, PHONE), check_overflow=True)
