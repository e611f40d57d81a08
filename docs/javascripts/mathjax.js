// MathJax 3 configuration for the report site. Loaded BEFORE the vendored MathJax (tex-chtml.js, copied from
// npm into javascripts/vendor/mathjax/ by `make site`): no CDN, no web fonts from elsewhere.
//
// - pymdownx.arithmatex (generic) wraps page math in span/div.arithmatex as \( \) and \[ \];
//   mkdocs-jupyter leaves notebook Markdown cells' math raw as $ $ and $$ $$ inside .jp-MarkdownOutput.
//   Only those two classes are searched (ignoreHtmlClass ".+" skips every other classed element).
// - tex-chtml.js, not tex-mml-chtml.js (that build typesets some formulas twice on first load).
// - Material's instant navigation swaps the page without reloading it: document$ emits for each new page and
//   the math is typeset again (cache cleared, old items forgotten, TeX labels reset). The first emission is the
//   page as loaded, which MathJax's own startup typesets: it is skipped, because clearing the cache then would
//   drop the CSS of the glyphs already typeset and leave that page's math invisible.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".+",
    processHtmlClass: "arithmatex|jp-MarkdownOutput",
  },
};

let firstPage = true;
document$.subscribe(() => {
  if (firstPage) {
    firstPage = false;
    return; // the page as loaded: MathJax's startup typesets it
  }
  const mathjax = window.MathJax;
  if (!mathjax || !mathjax.startup || !mathjax.startup.promise || typeof mathjax.typesetPromise !== "function") {
    return; // MathJax not loaded (yet): its startup typesets whatever page is there
  }
  // Chain on startup.promise so that typesetting never overlaps (MathJax's documented pattern).
  mathjax.startup.promise = mathjax.startup.promise
    .then(() => {
      mathjax.startup.output.clearCache();
      mathjax.typesetClear();
      mathjax.texReset();
      return mathjax.typesetPromise();
    })
    .catch((error) => console.error("MathJax typeset failed:", error));
});
