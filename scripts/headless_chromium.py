"""Open a local HTML page in headless Chromium: print the DOM it rendered, or take a
screenshot of it. Used by the dashboard's test and `make dashboard-screenshot`.

Chromium is Debian's `chromium` package (`make browser` installs it); MLCOST_CHROMIUM
names another Chromium or Chrome binary. The page is opened with the network cut off
(every host name resolves to nothing), so what it shows is what it holds inline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BINARY_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("install Chromium with `make browser` (root or password-less sudo), or "
                "`sudo apt-get install chromium`, or set MLCOST_CHROMIUM to a Chromium binary")


def find_chromium() -> str | None:
    """MLCOST_CHROMIUM when set, else the first Chromium or Chrome on PATH, else None."""
    named = os.environ.get("MLCOST_CHROMIUM")
    if named:
        return named if Path(named).exists() or shutil.which(named) else None
    for name in BINARY_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError(f"no Chromium found: {INSTALL_HINT}")
    return binary


def _run(binary: str, page: Path, extra: list[str], timeout_s: float) -> str:
    """Run headless Chromium on `page` with a throwaway profile; its stdout."""
    with tempfile.TemporaryDirectory(prefix="mlcost-chromium-") as profile:
        command = [
            binary, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--hide-scrollbars",
            # Nothing leaves the machine: a page that needed a CDN would show it missing.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}", *extra, page.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                                check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Chromium failed on {page} (exit {result.returncode}): "
                           f"{result.stderr[-2000:]}")
    return result.stdout


def dump_dom(page: Path, binary: str | None = None, timeout_s: float = 180) -> str:
    """The DOM of `page` after Chromium loaded and rendered it, as HTML."""
    return _run(binary or require_chromium(), page, ["--dump-dom"], timeout_s)


def screenshot(page: Path, out: Path, width: int = 1280, height: int = 4000,
               binary: str | None = None, timeout_s: float = 180) -> Path:
    """A PNG of `page` in a `width` x `height` window, cropped to what the page drew
    and reduced to 256 colours (a small file to keep in the repository)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_suffix(".raw.png")
    _run(binary or require_chromium(), page,
         [f"--screenshot={raw.resolve()}", f"--window-size={width},{height}"], timeout_s)
    try:
        _shrink_png(raw, out)
    finally:
        raw.unlink(missing_ok=True)
    return out


def _shrink_png(raw: Path, out: Path) -> None:
    """Crop the empty page below the content and save with a 256-colour palette."""
    from PIL import Image, ImageChops

    with Image.open(raw) as image:
        rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, rgb.getpixel((rgb.width - 1, rgb.height - 1)))
    box = ImageChops.difference(rgb, background).getbbox()
    if box is not None:
        rgb = rgb.crop((0, 0, rgb.width, min(rgb.height, box[3] + 16)))
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=Path, help="local HTML file to open")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="write a screenshot here instead of printing the DOM")
    parser.add_argument("--width", type=int, default=1280, help="window width (px)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.page.is_file():
        print(f"error: no page at {args.page}: build it first (`make dashboard`).",
              file=sys.stderr)
        return 1
    try:
        if args.screenshot:
            print(screenshot(args.page, args.screenshot, width=args.width))
        else:
            sys.stdout.write(dump_dom(args.page))
    except (FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
