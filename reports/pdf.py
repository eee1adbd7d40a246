"""HTML in, PDF bytes out: the only module that imports WeasyPrint.

Rendering runs in a child process (`python -m reports.pdf`) that gets nothing but the HTML and
the folders it may read. The child has an address-space limit and the parent a wall-clock
limit, so a pathological document (a huge table, a crafted stylesheet) costs one failed render,
never a stuck or swollen worker. The child's fetcher reads only files inside the allowed
folders (the project's static files); `file://` elsewhere, `http(s)`, `data:` and every other
scheme are refused, so text a user typed into a case can never pull in a file or reach out to
the network. User text reaches the HTML through Django templates, which escape it.

Fonts come from fontconfig by family name (Debian's fonts-noto-core and fonts-noto-cjk):
"Noto Sans" for Latin and Cyrillic, "Noto Sans Arabic" for Uyghur and Arabic, "Noto Sans CJK SC"
for Chinese, so Simplified-Chinese glyph forms are used (a TTC by URL would give the Japanese face).
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Limits per render. A 20-page packet needs well under a second of this and ~100 MB.
RENDER_SECONDS = 60
RENDER_ADDRESS_SPACE = 2 * 1024**3


class RenderError(Exception):
    """The document could not be rendered (too slow, too large, or broken HTML)."""


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    refused: list[str]  # schemes of resources the fetcher refused, for the caller to log


def render_pdf(html: str, *, allowed_dirs: list[Path], base_dir: Path, pdf_variant: str | None = None) -> Rendered:
    """Render `html` in a limited child process and return the PDF bytes.

    `base_dir` resolves relative URLs (stylesheets); only files under `allowed_dirs` are read.
    The PDF's title metadata is the HTML's <title>: templates put a document id there, never a name.
    """
    job = {"html": html, "allowed_dirs": [str(d) for d in allowed_dirs], "base_dir": str(base_dir),
           "pdf_variant": pdf_variant}
    try:
        child = subprocess.run(
            [sys.executable, "-m", "reports.pdf"], input=json.dumps(job).encode(), capture_output=True,
            timeout=RENDER_SECONDS, cwd=Path(__file__).resolve().parents[1], check=False,
            env={**os.environ, "PANAH_RENDER_ADDRESS_SPACE": str(RENDER_ADDRESS_SPACE)},
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(f"rendering took longer than {RENDER_SECONDS} s") from error
    if child.returncode != 0:
        # The child's stderr holds WeasyPrint's own message; it never contains the HTML.
        raise RenderError(f"renderer exited with {child.returncode}: {child.stderr.decode()[-500:]}")
    header_length = int.from_bytes(child.stdout[:4], "big")
    header = json.loads(child.stdout[4:4 + header_length])
    return Rendered(pdf=child.stdout[4 + header_length:], pages=header["pages"], refused=header["refused"])


def _child_main():  # pragma: no cover - runs in the child process (tested through render_pdf)
    import resource

    limit = int(os.environ.get("PANAH_RENDER_ADDRESS_SPACE", RENDER_ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    job = json.loads(sys.stdin.buffer.read())

    import weasyprint
    from weasyprint.urls import URLFetcher

    allowed = [Path(d).resolve() for d in job["allowed_dirs"]]
    refused = []

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "file":
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_file() and any(path.is_relative_to(root) for root in allowed):
                    return super().fetch(url, headers)
            refused.append(scheme or "relative")
            raise ValueError("resource refused: only the project's static files may be read")

    document = weasyprint.HTML(
        string=job["html"], base_url=Path(job["base_dir"]).resolve().as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(allowed_protocols={"file"}),
    )
    options = {"pdf_variant": job["pdf_variant"]} if job["pdf_variant"] else {}
    laid_out = document.render()
    pdf = laid_out.write_pdf(**options, custom_metadata=False)
    encoded = json.dumps({"pages": len(laid_out.pages), "refused": refused}).encode()
    sys.stdout.buffer.write(len(encoded).to_bytes(4, "big") + encoded + pdf)


if __name__ == "__main__":
    _child_main()
