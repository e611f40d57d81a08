"""MkDocs hook: bring the top-level ``assets/`` and ``notebooks/`` into the report site.

MkDocs copies only ``docs_dir``. The figures and tables are generated into ``assets/`` and the executed
notebooks live in ``notebooks/``, both at the repository root, so this hook adds them to the site's files
with the repository root as their source folder:

- every file under ``assets/`` becomes ``assets/...`` in the site, so ``docs/beta.md`` can write
  ``![](assets/04_beta/loss_curves.png)`` (MkDocs checks the link and makes it relative). Markdown files
  under ``assets/`` are left out: they are generated tables, included into pages with pymdownx.snippets
  (``--8<-- "assets/..."``), not pages of their own;
- every ``notebooks/*.ipynb`` becomes ``notebooks/NAME.ipynb``, which mkdocs-jupyter renders as a page
  (``notebooks/NAME/``), so the nav can list ``notebooks/04_beta.ipynb``.

It also removes from each rendered notebook the two script blocks nbconvert's template adds for a CDN:
MathJax 2 (a loader and a ``text/x-mathjax-config`` block calling ``MathJax.Hub``, which throws under the site's
MathJax 3 once Material's instant navigation re-runs the page's scripts) and mermaid.js (imported from cdnjs).
The site's own MathJax 3 (docs/javascripts/) typesets the notebooks' Markdown cells. A rendered notebook that
still names a CDN fails the build.

Registered in mkdocs.yml under ``hooks:``. ``mkdocs serve`` also watches both folders.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.vaelib")

ASSETS = "assets"
NOTEBOOKS = "notebooks"
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}

# nbconvert's base/mathjax.html.j2 and base/mermaidjs.html.j2 macros, as mkdocs-jupyter's template emits them.
_NOTEBOOK_CDN_BLOCKS = [
    re.compile(
        r"(?:<!-- Load mathjax -->\s*)?<script src=\"[^\"]*\">\s*</script>\s*(?:<!-- MathJax configuration -->\s*)?"
        r"<script type=\"text/x-mathjax-config\">.*?</script>\s*(?:<!-- End of mathjax configuration -->)?",
        re.S,
    ),
    re.compile(
        r"<script type=\"module\">\s*document\.addEventListener\(\"DOMContentLoaded\", async \(\) => \{\s*"
        r"const diagrams = document\.querySelectorAll\(\"\.jp-Mermaid.*?<!-- End of mermaid configuration -->",
        re.S,
    ),
]
_CDN_HOSTS = re.compile(r"cdnjs\.cloudflare\.com|cdn\.jsdelivr\.net|unpkg\.com|MathJax\.Hub")


def _root(config: MkDocsConfig) -> Path:
    """The repository root: the folder holding mkdocs.yml."""
    return Path(config.config_file_path).resolve().parent


def _skipped(rel: Path) -> bool:
    return any(part.startswith(".") or part in _SKIP_PARTS for part in rel.parts)


def extra_files(root: Path) -> list[str]:
    """Source paths (relative to ``root``, POSIX style) that the site takes from outside docs_dir."""
    found = []
    assets = root / ASSETS
    if assets.is_dir():
        for path in sorted(assets.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not _skipped(rel) and path.suffix.lower() != ".md":
                found.append(rel.as_posix())
    notebooks = root / NOTEBOOKS
    if notebooks.is_dir():
        found += [p.relative_to(root).as_posix() for p in sorted(notebooks.glob("*.ipynb")) if p.is_file()]
    return found


# Runs before mkdocs-jupyter's on_files (default priority 0), which turns the notebooks into pages.
@event_priority(100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    root = _root(config)
    added = 0
    for src_uri in extra_files(root):
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(
                f"{src_uri} exists both under {config.docs_dir} and at the repository root; keep only the top-level one"
            )
        files.append(
            File(src_uri, src_dir=str(root), dest_dir=config.site_dir, use_directory_urls=config.use_directory_urls)
        )
        added += 1
    log.info("added %d files from %s/ and %s/ to the site", added, ASSETS, NOTEBOOKS)
    return files


def on_serve(server, config: MkDocsConfig, builder):
    root = _root(config)
    for name in (ASSETS, NOTEBOOKS):
        if (root / name).is_dir():
            server.watch(str(root / name))
    return server


# A Markdown image alone in its paragraph, with a title (`![alt](src "caption")`): it becomes a figure whose caption
# is the title. Every caption of a page, these and the hand-written <figcaption>s of image tables, is then numbered.
# mkdocs-glightbox may already have wrapped the image in its <a class="glightbox"> (plugins and hooks run in either
# order): the link is kept inside the figure.
_TITLED_IMAGE = re.compile(r'<p>\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*\btitle="([^"]*)"[^>]*>(?:\s*</a>)?)\s*</p>')
_FIGCAPTION = re.compile(r"<figcaption>")


def number_figures(html: str) -> str:
    """Titled images as <figure>s with their title as caption, and every caption numbered "Figure N." in order."""
    html = _TITLED_IMAGE.sub(
        lambda m: f'<figure class="report-figure">{m[1]}<figcaption>{m[2]}</figcaption></figure>', html
    )
    counter = iter(range(1, 10_000))
    return _FIGCAPTION.sub(lambda _: f"<figcaption><strong>Figure {next(counter)}.</strong> ", html)


def on_page_content(html: str, page, config: MkDocsConfig, files: Files) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return number_figures(html)
    for block in _NOTEBOOK_CDN_BLOCKS:
        html = block.sub("", html)
    leftover = _CDN_HOSTS.search(html)
    if leftover:
        raise PluginError(
            f"{page.file.src_uri}: rendered notebook still refers to {leftover.group()!r} "
            "(the site must load nothing from a CDN); see tools/mkdocs_hooks.py"
        )
    return download_bar(Path(page.file.src_uri).name) + html


def download_bar(notebook: str) -> str:
    """A visible download link above a rendered notebook (mkdocs-jupyter copies the .ipynb beside its page)."""
    return (
        f'<p class="nb-download"><a class="md-button" href="{notebook}" download>Download {notebook}</a> '
        "Run it yourself: <code>make lab</code> opens it in JupyterLab on the project's kernel.</p>"
    )
