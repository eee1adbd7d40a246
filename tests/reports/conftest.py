"""Helpers to look inside generated PDFs with poppler's tools (installed by `make test`)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.referrals.conftest import counselling  # noqa: F401 - the directory fixture, shared


@pytest.fixture(autouse=True)
def _poppler():
    if not shutil.which("pdffonts"):
        pytest.fail("poppler-utils is missing: run `make test`, which installs it.")


def plain_pdf(document, folder: Path) -> Path:
    """A generated document's PDF as the download serves it (decrypted), written to `folder` for poppler's
    tools: the stored file is encrypted, so its path on disk holds no PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{document.public_id}.pdf"
    with document.file.storage.open(document.file.name, "rb") as stored:
        path.write_bytes(stored.read())
    return path


def pdf_fonts(path: Path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in out[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the last five columns are fixed.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def pdf_info(path: Path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line) | {}


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_outline(path: Path) -> str:
    return subprocess.run(["pdfinfo", "-dests", str(path)], capture_output=True, text=True, check=False).stdout


def first_page_png(path: Path, tmp_path: Path) -> Image.Image:
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(prefix)], check=True)
    return Image.open(next(tmp_path.glob("page*.png"))).convert("L")


def ink_box(image: Image.Image, *, top: float, bottom: float):
    """The horizontal extent of dark pixels between `top` and `bottom` (fractions of the height)."""
    height = image.height
    band = image.crop((0, int(height * top), image.width, int(height * bottom)))
    dark = band.point(lambda value: 255 if value < 128 else 0)
    return dark.getbbox()


def heading_runs_the_right_way(path: Path, language: str, folder: Path) -> bool:
    """On the rendered cover, the title line hugs the right edge in Uyghur and the left edge otherwise."""
    folder.mkdir(exist_ok=True)
    image = first_page_png(path, folder)
    inner = image.crop((int(image.width * 0.11), 0, int(image.width * 0.885), image.height))  # inside the frame
    heading = ink_box(inner, top=0.10, bottom=0.115)
    assert heading is not None  # the cover is not blank
    left, _top, right, _bottom = heading
    return (inner.width - right < left) if language in ("ug", "ar") else (left < inner.width - right)


@pytest.fixture
def rendered_html(monkeypatch):
    """The HTML each render was given: what a redaction removed must not be in it at all.

    (Checking the PDF bytes proves nothing: its text is compressed and glyph-encoded.)
    """
    from reports import pdf

    seen = []
    original = pdf.Renderer.render

    def recording(renderer, html, **kwargs):
        seen.append(html)
        return original(renderer, html, **kwargs)

    monkeypatch.setattr(pdf.Renderer, "render", recording)
    return seen
