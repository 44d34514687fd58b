"""``kb serve``'s web server: the site from memory, live reload, and the data's errors shown on every page.

Each request reads one published version of the site (a mapping that is never modified once published), so a
page and what it loads always come from one build. Every HTML page gets a small script that waits on
``/.kb/reload`` and reloads the page when a newer version is published. While the data has errors, every page
also shows them at its top, each naming its file and line; the name links to ``/.kb/source/…``, which shows the
file with that line marked (and, if ``KB_EDITOR_URL`` is set, e.g. to ``vscode://file/{path}:{line}:{column}``,
a second link opens it in the editor). None of this is in the built site: it is added as pages are sent.
"""

from __future__ import annotations

import html
import mimetypes
import os
import threading
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kb.problems import Problem
from kb.serve_build import Site

RELOAD = "/.kb/reload"
SOURCE = "/.kb/source/"
POLL_SECONDS = 30  # a waiting browser is answered at least this often, changed or not

_RELOAD_SCRIPT = """<script>(function () {
  if (window.kbReload) { return; }
  window.kbReload = true;
  var version = %d;
  function wait() {
    fetch("%s?since=" + version, {cache: "no-store"}).then(function (response) { return response.text(); })
      .then(function (text) { if (Number(text) > version) { location.reload(); } else { wait(); } },
            function () { setTimeout(wait, 1000); });
  }
  wait();
})();</script>"""

_BANNER_STYLE = """<style>
.kb-errors { margin: 0 0 1.5em; }
.kb-errors ul { margin: .5em 0; }
.kb-errors li { margin: .3em 0; overflow-wrap: anywhere; }
.kb-errors .kb-error-place { font-family: var(--md-code-font-family, monospace); font-weight: 700; }
</style>"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }}
.kb-errors {{ border-left: 4px solid #c62828; background: #fdecea; padding: .5em 1em; }}
.kb-errors li {{ margin: .3em 0; overflow-wrap: anywhere; }}
pre {{ font-size: 14px; line-height: 1.45; overflow-x: auto; }} pre span {{ display: block; }}
pre span:target, pre .kb-marked {{ background: #fff3b0; }}</style></head>
<body>{body}</body></html>"""


@dataclass(frozen=True)
class Published:
    """One version of what is served: the site (None before the first good build) and the data's errors."""

    version: int = 0
    site: Site | None = None
    problems: tuple[Problem, ...] = ()
    building: bool = True


@dataclass
class PreviewServer:
    """Serves what was last published, at ``host:port``; ``roots`` are the folders whose files it may show (the
    project's and the data's)."""

    host: str
    port: int
    roots: tuple[Path, ...]
    _published: Published = field(default_factory=Published)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        server = self

        class Handler(_Handler):
            preview = server

        self.http = ThreadingHTTPServer((self.host, self.port), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]
        self._thread = threading.Thread(target=self.http.serve_forever, name="kb-serve-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()

    def publish(self, site: Site | None, problems: list[Problem]) -> None:
        """Serve ``site`` (None: keep the last one) with these errors, and tell the waiting browsers."""
        with self._changed:
            last = self._published
            self._published = Published(last.version + 1, site if site is not None else last.site,
                                        tuple(problems), building=False)
            self._changed.notify_all()

    def current(self) -> Published:
        with self._changed:
            return self._published

    def wait_for_change(self, since: int) -> int:
        """The version served, once it is newer than ``since`` (or after POLL_SECONDS)."""
        with self._changed:
            self._changed.wait_for(lambda: self._published.version > since, timeout=POLL_SECONDS)
            return self._published.version


class _Handler(BaseHTTPRequestHandler):
    preview: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal shows the builds and the errors, not every request

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if path == RELOAD:
            since = urllib.parse.parse_qs(url.query).get("since", ["0"])[0]
            version = self.preview.wait_for_change(int(since) if since.isdigit() else 0)
            return self._send(HTTPStatus.OK, str(version).encode(), "text/plain")
        published = self.preview.current()
        if path.startswith(SOURCE):
            return self._source(path.removeprefix(SOURCE), published)
        if published.site is None:
            return self._without_site(published)
        self._from_site(path, published)

    def _from_site(self, path: str, published: Published) -> None:
        assert published.site is not None
        key = path.lstrip("/")
        if key == "" or key.endswith("/"):
            key += "index.html"
        if ".." in key.split("/"):
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        try:  # a path not among the pages and assets waits for the search index of this version
            content = published.site.get(key)
            if content is None and published.site.get(f"{key}/index.html") is not None:
                return self._redirect(path + "/")
        except Exception as exc:  # the search index could not be written
            message = f"kb serve could not write the search index: {type(exc).__name__}: {exc}"
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, message.encode(), "text/plain; charset=utf-8")
        status = HTTPStatus.OK
        if content is None:
            status, key, content = HTTPStatus.NOT_FOUND, "404.html", published.site.get("404.html") or b"not found"
        if isinstance(content, Path):  # a file of the theme or docs/: the browser may keep it while unchanged
            return self._send_file(content, _content_type(key))
        body = content
        kind = _content_type(key)
        if kind.startswith("text/html"):
            body = _with_extras(body, published)
        self._send(status, body, kind)

    def _without_site(self, published: Published) -> None:
        """Before the first good build: a page saying so, with the errors that stop it."""
        if published.building:
            body = "<h1>Building the site…</h1><p>This page reloads when it is ready.</p>"
        else:
            body = "<h1>The site cannot be built yet</h1>" + _banner(published.problems, last_good=False)
        page = _PAGE.format(title="kb serve", body=body).encode()
        self._send(HTTPStatus.SERVICE_UNAVAILABLE, _with_extras(page, published, banner=False), "text/html")

    def _source(self, shown: str, published: Published) -> None:
        """A file of the project or the data, its lines numbered; the line the link names (#L12) is marked."""
        path = (Path.cwd() / shown).resolve()  # as problems name it: relative to where kb serve runs
        roots = [root.resolve() for root in self.preview.roots]
        if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        marked = {problem.line for problem in published.problems if (Path.cwd() / problem.path).resolve() == path}
        numbered = "".join(f'<span id="L{n}"{" class=kb-marked" if n in marked else ""}>{n:>5}  {html.escape(line)}'
                           "</span>" for n, line in enumerate(lines, start=1))
        body = f"<h1>{html.escape(shown)}</h1>" + _banner(published.problems, last_good=published.site is not None)
        page = _PAGE.format(title=html.escape(shown), body=body + f"<pre>{numbered}</pre>").encode()
        self._send(HTTPStatus.OK, _with_extras(page, published, banner=False), "text/html")

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", urllib.parse.quote(location))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_file(self, path: Path, content_type: str) -> None:
        """A file on disk, with a tag of its version: a browser that has this version gets "not modified" (it
        asks again each time: no-cache)."""
        stat = path.stat()
        version = {"ETag": f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"', "Cache-Control": "no-cache"}
        if self.headers.get("If-None-Match") == version["ETag"]:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in version.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(HTTPStatus.OK, path.read_bytes(), content_type, version)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, headers: dict[str, str] | None = None
              ) -> None:
        """``body`` with its type and length; kept by no browser unless ``headers`` say otherwise."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {"Cache-Control": "no-store"}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _content_type(key: str) -> str:
    if key.endswith((".js", ".mjs")):
        return "application/javascript"
    guess = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{guess}; charset=utf-8" if guess.startswith("text/") or guess.endswith(("json", "xml")) else guess


def _with_extras(page: bytes, published: Published, *, banner: bool = True) -> bytes:
    """The page with the reload script before ``</body>`` and, while the data has errors, the errors at the top
    of its content."""
    script = (_RELOAD_SCRIPT % (published.version, RELOAD)).encode()
    end = page.rfind(b"</body>")
    page = page[:end] + script + page[end:] if end >= 0 else page + script
    if banner and published.problems:
        errors = (_BANNER_STYLE + _banner(published.problems, last_good=True)).encode()
        anchor = page.find(b'<article class="md-content__inner md-typeset">')
        at = page.find(b">", anchor) + 1 if anchor >= 0 else page.find(b">", page.find(b"<body")) + 1
        page = page[:at] + errors + page[at:]
    return page


def _banner(problems: tuple[Problem, ...], *, last_good: bool) -> str:
    """The data's errors as an alert: each names its file and line, linked to the file with the line marked."""
    count = len(problems)
    title = (f"The data has {count} error(s); this page shows the last good version" if last_good else
             f"The data has {count} error(s); fix them and save: the page reloads by itself")
    items = "".join(f"<li>{_error_line(problem)}</li>" for problem in problems)
    return (f'<div class="admonition danger kb-errors" id="kb-errors" role="alert">'
            f'<p class="admonition-title">{html.escape(title)}</p><ul>{items}</ul></div>')


def _error_line(problem: Problem) -> str:
    place = f"{problem.path}:{problem.line}:{problem.column}"
    source = SOURCE + urllib.parse.quote(problem.path) + f"#L{problem.line}"
    link = f'<a class="kb-error-place" href="{html.escape(source)}">{html.escape(place)}</a>'
    rest = html.escape(str(problem).removeprefix(place))
    editor = os.environ.get("KB_EDITOR_URL", "")
    if editor:
        absolute = str(Path(problem.path).resolve())
        target = editor.format(path=absolute, line=problem.line, column=problem.column)
        link += f' (<a href="{html.escape(target)}">open in editor</a>)'
    return link + rest
