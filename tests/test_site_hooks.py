"""The site's MkDocs hook (tools/mkdocs_hooks.py) and the links of generated readings (no browser needed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from vaelib import report

_path = Path(__file__).parents[1] / "tools" / "mkdocs_hooks.py"
pytest.importorskip("mkdocs")
_spec = importlib.util.spec_from_file_location("mkdocs_hooks", _path)
hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hooks)


def test_titled_images_become_numbered_figures_and_untitled_ones_stay():
    html = (
        '<p><img alt="a" src="x.png" title="The first caption." /></p>'
        '<p><img alt="b" src="y.png" /></p>'
        '<figure><table><tr><td><img src="z.gif"></td></tr></table><figcaption>A table of GIFs.</figcaption></figure>'
        '<p><img alt="c" src="w.png" title="The third." /></p>'
    )
    out = hooks.number_figures(html)
    assert out.count('<figure class="report-figure">') == 2 and '<p><img alt="b" src="y.png" /></p>' in out
    assert "<figcaption><strong>Figure 1.</strong> The first caption.</figcaption>" in out
    assert "<figcaption><strong>Figure 2.</strong> A table of GIFs.</figcaption>" in out
    assert "<figcaption><strong>Figure 3.</strong> The third.</figcaption>" in out


def test_an_image_the_lightbox_wrapped_still_becomes_a_figure():
    html = '<p><a class="glightbox" href="x.png"><img alt="a" src="x.png" title="Zoomable." /></a></p>'
    out = hooks.number_figures(html)
    assert out.startswith('<figure class="report-figure"><a class="glightbox" href="x.png"><img')
    assert out.endswith("<figcaption><strong>Figure 1.</strong> Zoomable.</figcaption></figure>")


def test_every_image_of_the_reports_pages_has_a_caption():
    docs = Path(__file__).parents[1] / "docs"
    import re

    for page in docs.glob("*.md"):
        text = page.read_text()
        for line in text.splitlines():
            for m in re.finditer(r"!\[[^\]]*\]\(([^)]*)\)", line):
                in_table = line.startswith("|")
                assert in_table or '"' in m[1], f"{page.name}: image without a caption: {m[0]}"
        if "| ![" in text:  # images in a table: the table sits in a figure with its caption
            assert text.count("<figure markdown") >= 1 and "<figcaption>" in text, page.name


def test_readings_link_the_ledger_from_pages_and_from_rendered_notebooks():
    text = "see [seed 000, row 000-17](claims.md#000-17) and [the latent 2-D page](latent-2d.md)."
    assert report.for_notebook(text) == (
        "see [seed 000, row 000-17](../../claims/#000-17) and [the latent 2-D page](../../latent-2d/)."
    )
    assert report.for_notebook("[a site](https://example.org/x.md)") == "[a site](https://example.org/x.md)"


def test_a_verdict_the_pages_name_beside_a_ledger_link_is_the_ledgers():
    # prose typed in docs/ that names a row's verdict ("[row 000-19](claims.md#000-19), contradicted") must say what
    # the committed ledger says, so a changed verdict cannot leave a page behind
    import re

    import pandas as pd

    root = Path(__file__).parents[1]
    ledger = pd.read_csv(root / "assets" / "claims" / "claims.csv").set_index("id")
    named = re.compile(
        r"\]\(claims\.md#(\d{3}-\d{2}[a-h]?)\),? (confirmed|contradicted|inconclusive|not measured|not testable)"
    )
    seen = 0
    for page in (root / "docs").glob("*.md"):
        for m in named.finditer(page.read_text()):
            seen += 1
            assert ledger.loc[m[1], "verdict"] == m[2], (
                f"{page.name}: row {m[1]} is {ledger.loc[m[1], 'verdict']}, not {m[2]}"
            )
    assert seen >= 3  # the explorer's and the VAE-vs-AE page's sentences
