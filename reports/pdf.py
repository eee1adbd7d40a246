"""HTML in, PDF bytes out: the only module that imports WeasyPrint.

Rendering runs in a child process (`python -m reports.pdf`) that gets nothing but the HTML and the
folders it may read, renders one document and exits; a worker keeps one such child started in
advance (`take_renderer`), so WeasyPrint's import and font loading are not paid while someone waits.
The child has an address-space limit and the parent a wall-clock limit, so a pathological document
(a huge table, a crafted stylesheet) costs one failed render, never a stuck or swollen worker. The
child's fetcher reads only files inside the allowed folders (the project's static files); `file://`
elsewhere, `http(s)`, `data:` and every other scheme are refused, so text a user typed into a case
can never pull in a file or reach out to the network. User text reaches the HTML through Django
templates, which escape it.

Fonts come from fontconfig by family name (Debian's fonts-noto-core and fonts-noto-cjk):
"Noto Sans" for Latin and Cyrillic, "Noto Sans Arabic" for Uyghur and Arabic, "Noto Sans CJK SC"
for Chinese, so Simplified-Chinese glyph forms are used (a TTC by URL would give the Japanese face).

Exhibits (uploaded PDFs and images) are appended inside the same single layout pass, so page
numbers, the watermark and the outline cover them: the template leaves a marker
`<!--panah-exhibit:N-->` after each exhibit's separator page; the child counts the exhibit's pages
(pypdf, inside the same limits, since the file is untrusted) and puts that many empty pages
there, lays the document out once, then draws each exhibit page under the empty page's
watermark and page number. Images are placed by WeasyPrint itself. Template text cannot forge a
marker: user text is escaped, so it never contains "<!--".
"""

import atexit
import json
import os
import subprocess
import sys
import threading
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
class ExhibitFile:
    """An exhibit to append where the template put `<!--panah-exhibit:{marker}-->`."""

    marker: str
    path: Path
    content_type: str
    embed_as: str = ""  # archival documents: the attachment's file name inside the PDF (never a person's name)


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    refused: list[str]  # schemes of resources the fetcher refused, for the caller to log


class Renderer:
    """A renderer child process, started before the document's HTML is ready.

    Importing WeasyPrint (Pango, HarfBuzz, fontconfig through cffi) costs the child about a
    second; started early, it does that while the worker reads the case and fills the template.
    Use as a context manager: a renderer that was never given a job is killed on exit.
    """

    def __init__(self):
        environment = {name: os.environ[name] for name in _CHILD_ENVIRONMENT if name in os.environ}
        environment.update(PANAH_RENDER_ADDRESS_SPACE=str(RENDER_ADDRESS_SPACE),
                           PANAH_RENDER_SECONDS=str(RENDER_SECONDS))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reports.pdf"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1], env=environment,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads run Django code in the child
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream and not stream.closed:
                stream.close()

    def render(
        self, html: str, *, allowed_dirs: list[Path], base_dir: Path, pdf_variant: str | None = None,
        exhibits: list[ExhibitFile] = (), unreadable_notice: str = "",
    ) -> Rendered:
        """Render `html` and return the PDF bytes (see `render_pdf`)."""
        job = {"html": html, "allowed_dirs": [str(d) for d in allowed_dirs], "base_dir": str(base_dir),
               "pdf_variant": pdf_variant, "unreadable_notice": unreadable_notice,
               "exhibits": [{"marker": e.marker, "path": str(e.path), "content_type": e.content_type,
                             "embed_as": e.embed_as} for e in exhibits]}
        try:
            stdout, _stderr = self.process.communicate(json.dumps(job).encode(), timeout=RENDER_SECONDS)
        except subprocess.TimeoutExpired as error:
            self.process.kill()
            raise RenderTimeout(f"rendering took longer than {RENDER_SECONDS} s") from error
        if self.process.returncode != 0:
            # Only the exit status is kept: WeasyPrint's stderr could quote the document.
            raise RenderError(f"renderer exited with status {self.process.returncode}")
        header_length = int.from_bytes(stdout[:4], "big")
        header = json.loads(stdout[4:4 + header_length])
        return Rendered(pdf=stdout[4 + header_length:], pages=header["pages"], refused=header["refused"])


# One spare renderer per worker process. It is started as soon as the previous one is taken, so
# by the time the next document comes it has already imported WeasyPrint (about a second on this
# hardware); each child still renders exactly one document and exits, so nothing one document
# did can reach the next. The spare idles on its stdin and dies with its worker (PDEATHSIG).
_spare: "Renderer | None" = None
_spare_owner = 0
_spare_lock = threading.Lock()


def take_renderer(*, keep_spare: bool = True) -> Renderer:
    """A renderer ready for a job (warm if a spare was waiting), and a new spare started for the next one.

    Spares are kept only on a process's main thread (where django-q workers run tasks): the
    child's "die with my parent" signal follows the thread that started it, so a spare started by
    one web request's thread would be killed when that thread ends.
    """
    global _spare, _spare_owner
    keep_spare = keep_spare and threading.current_thread() is threading.main_thread()
    with _spare_lock:
        renderer = _spare if _spare is not None and _spare_owner == os.getpid() else None
        _spare = None
        if renderer is not None and renderer.process.poll() is not None:  # it died while idle
            renderer.__exit__(None, None, None)
            renderer = None
        renderer = renderer or Renderer()
        if keep_spare:
            try:
                _spare, _spare_owner = Renderer(), os.getpid()
            except OSError:  # no spare this time (out of processes or memory); this render goes on
                _spare = None
    return renderer


def _forget_inherited_spare():  # pragma: no cover - runs in a freshly forked child
    """A forked process must not hold the parent's spare open (the parent's render would wait on it)."""
    global _spare
    if _spare is not None:
        for stream in (_spare.process.stdin, _spare.process.stdout, _spare.process.stderr):
            if stream and not stream.closed:
                stream.close()
        _spare = None


os.register_at_fork(after_in_child=_forget_inherited_spare)


@atexit.register
def _stop_spare():  # pragma: no cover - at interpreter exit
    if _spare is not None and _spare_owner == os.getpid():
        _spare.__exit__(None, None, None)


def render_pdf(html: str, **options) -> Rendered:
    """Render `html` in a limited child process and return the PDF bytes.

    `base_dir` resolves relative URLs (stylesheets); only files under `allowed_dirs` are read.
    The PDF's title metadata is the HTML's <title>: templates put a document id there, never a name.
    `exhibits` are appended at their markers (and embedded as attachments in an archival PDF);
    an exhibit that cannot be read gets one page saying so (`unreadable_notice`, HTML-escaped).
    """
    with Renderer() as renderer:
        return renderer.render(html, **options)


_WARM_UP_HTML = ('<p style="font-family: \'Noto Sans\', \'Noto Sans Arabic\', \'Noto Sans CJK SC\'">'
                 'Aa Жж ئۇ 中文 <b>Aa ئۇ 中文</b></p>')


def _child_main():  # pragma: no cover - runs in the child process (tested through render_pdf)
    import resource

    limit = int(os.environ.get("PANAH_RENDER_ADDRESS_SPACE", RENDER_ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # CPU time too, in case the parent that holds the wall-clock limit is gone.
    seconds = int(float(os.environ.get("PANAH_RENDER_SECONDS", RENDER_SECONDS))) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    # Get ready before the job arrives (the parent starts renderers in advance, see take_renderer):
    # import WeasyPrint and render a line in every script, which loads fontconfig's cache, the
    # fonts and the subsetter. Nothing here touches a file or the network.
    import weasyprint

    weasyprint.HTML(string=_WARM_UP_HTML).render().write_pdf()

    job = json.loads(sys.stdin.buffer.read())
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

    html, exhibit_sources = _expand_exhibits(job["html"], job["exhibits"], job["unreadable_notice"])
    document = weasyprint.HTML(
        string=html, base_url=Path(job["base_dir"]).resolve().as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(allowed_protocols={"file"}),
    )
    options = {"pdf_variant": job["pdf_variant"]} if job["pdf_variant"] else {}
    if job["pdf_variant"] and job["exhibits"]:
        # PDF/A-3 allows embedded files: the archival copy carries each exhibit as it was uploaded.
        options["attachments"] = [
            weasyprint.Attachment(filename=exhibit["path"], name=exhibit["embed_as"], relationship="Source")
            for exhibit in job["exhibits"] if exhibit["embed_as"]
        ]
    laid_out = document.render()
    pdf = laid_out.write_pdf(**options, custom_metadata=False)
    if exhibit_sources:
        pdf = _draw_exhibit_pages(pdf, laid_out.pages, exhibit_sources)
    encoded = json.dumps({"pages": len(laid_out.pages), "refused": refused}).encode()
    sys.stdout.buffer.write(len(encoded).to_bytes(4, "big") + encoded + pdf)
    sys.stdout.buffer.flush()
    # The document is out: skip the interpreter's teardown of a large heap (the parent waits for EOF).
    os._exit(0)


def _expand_exhibits(html, exhibits, unreadable_notice):  # pragma: no cover - runs in the child
    """Replace each exhibit marker with one empty page per exhibit page (or the image, or the notice)."""
    if not exhibits:
        return html, {}  # most documents: spare the renderer the pypdf import
    from pypdf import PdfReader, PdfWriter

    sources = {}
    for exhibit in exhibits:
        marker = exhibit["marker"]
        if exhibit["content_type"] == "application/pdf":
            try:
                reader = PdfReader(exhibit["path"])
                if reader.is_encrypted:
                    reader.decrypt("")  # only an empty user password: a protected file is "unreadable"
                # Pages can only be changed (rotation turned into content) once attached to a writer;
                # parse every page now, so a file that breaks gets the notice page, not a failed packet.
                source = PdfWriter(clone_from=reader)
                for page in source.pages:
                    if float(page.cropbox.width) <= 0 or float(page.cropbox.height) <= 0:
                        raise ValueError("empty page box")
                    page.get_contents()
                count = len(source.pages)
                sources[marker] = source
                slots = "".join(
                    f'<div class="exhibit-page" id="panah-exhibit-page-{marker}-{k}"></div>' for k in range(count)
                )
            except Exception:  # noqa: BLE001 - a damaged or protected file gets a page saying so
                slots = f'<div class="exhibit-page exhibit-unreadable"><p>{unreadable_notice}</p></div>'
        else:
            uri = Path(exhibit["path"]).resolve().as_uri()
            slots = f'<div class="exhibit-page exhibit-image"><img src="{uri}" alt=""></div>'
        html = html.replace(f"<!--panah-exhibit:{marker}-->", slots, 1)
    return html, sources


# Where an exhibit page is drawn on its A4 page: inside the document's margins (see document.css).
_MM = 72 / 25.4
_EXHIBIT_BOX = {"left": 18 * _MM, "right": 18 * _MM, "top": 22 * _MM, "bottom": 20 * _MM}


def _draw_exhibit_pages(pdf, pages, sources):  # pragma: no cover - runs in the child
    """Draw every exhibit page, scaled to fit, under its empty page's watermark and page number."""
    import io

    from pypdf import PdfReader, PdfWriter, Transformation

    placements = []
    for index, page in enumerate(pages):
        for anchor in page.anchors:
            if anchor.startswith("panah-exhibit-page-"):
                marker, number = anchor[len("panah-exhibit-page-"):].rsplit("-", 1)
                if marker in sources:
                    placements.append((index, sources[marker].pages[int(number)]))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for index, source in placements:
        target = writer.pages[index]
        if "/Annots" in source:  # links, actions, form widgets of an uploaded file never travel
            del source["/Annots"]
        if source.rotation:
            source.transfer_rotation_to_content()
        box = source.cropbox  # what a viewer shows of the page, and what the merge keeps
        width, height = float(box.width), float(box.height)
        page_width, page_height = float(target.mediabox.width), float(target.mediabox.height)
        available_width = page_width - _EXHIBIT_BOX["left"] - _EXHIBIT_BOX["right"]
        available_height = page_height - _EXHIBIT_BOX["top"] - _EXHIBIT_BOX["bottom"]
        scale = min(available_width / width, available_height / height)
        transform = (
            Transformation().translate(-float(box.left), -float(box.bottom)).scale(scale, scale).translate(
                _EXHIBIT_BOX["left"] + (available_width - width * scale) / 2,
                _EXHIBIT_BOX["bottom"] + (available_height - height * scale) / 2,
            )
        )
        target.merge_transformed_page(source, transform, over=False)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


if __name__ == "__main__":
    _child_main()
