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
    """The document could not be rendered (too large, or broken HTML)."""


class RenderTimeout(RenderError):
    """The render took longer than RENDER_SECONDS."""


# The only environment the renderer gets: no secret key, database URL or mail credentials.
_CHILD_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CACHE_HOME", "FONTCONFIG_FILE",
                      "FONTCONFIG_PATH")


def _die_with_parent():  # pragma: no cover - runs in the child between fork and exec
    """Linux: kill the renderer if the worker that started it dies (a killed task leaves no orphan)."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


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
    environment = {name: os.environ[name] for name in _CHILD_ENVIRONMENT if name in os.environ}
    environment.update(PANAH_RENDER_ADDRESS_SPACE=str(RENDER_ADDRESS_SPACE), PANAH_RENDER_SECONDS=str(RENDER_SECONDS))
    try:
        child = subprocess.run(
            [sys.executable, "-m", "reports.pdf"], input=json.dumps(job).encode(), capture_output=True,
            timeout=RENDER_SECONDS, cwd=Path(__file__).resolve().parents[1], check=False, env=environment,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads run Django code in the child
        )
    except subprocess.TimeoutExpired as error:
        raise RenderTimeout(f"rendering took longer than {RENDER_SECONDS} s") from error
    if child.returncode != 0:
        # Only the exit status is kept: WeasyPrint's stderr could quote the document.
        raise RenderError(f"renderer exited with status {child.returncode}")
    header_length = int.from_bytes(child.stdout[:4], "big")
    header = json.loads(child.stdout[4:4 + header_length])
    return Rendered(pdf=child.stdout[4 + header_length:], pages=header["pages"], refused=header["refused"])


def _child_main():  # pragma: no cover - runs in the child process (tested through render_pdf)
    import resource

    limit = int(os.environ.get("PANAH_RENDER_ADDRESS_SPACE", RENDER_ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # CPU time too, in case the parent that holds the wall-clock limit is gone.
    seconds = int(float(os.environ.get("PANAH_RENDER_SECONDS", RENDER_SECONDS))) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
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

                parsed = urlparse(url)
                path = Path(unquote(parsed.path)).resolve()
                # A host part would make urllib resolve it by DNS: a network channel. Only local files.
                if parsed.netloc in ("", "localhost") and path.is_file() and any(
                    path.is_relative_to(root) for root in allowed
                ):
                    return super().fetch(path.as_uri(), headers)
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
