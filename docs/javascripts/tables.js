// Sortable tables (tablesort, vendored) on every report page, and a filter box above the claims page's ledger
// tables. Material's instant navigation swaps page content without reloading scripts: `document$` emits after
// every swap, so the tables of each new page are set up then.
(function () {
  "use strict";

  // Click a column's header to sort by it (again to reverse); tablesort.number.min.js sorts numeric columns as numbers.
  function setUpSorting(root) {
    for (const table of root.querySelectorAll("article table:not([data-sortable-ready])")) {
      if (!table.tHead || !table.tBodies.length || table.tBodies[0].rows.length < 2) continue;
      table.setAttribute("data-sortable-ready", "");
      new Tablesort(table); // eslint-disable-line no-new
    }
  }

  // The claims page: one box filters the rows of every ledger table (id, claim, verdict, rubric: any text).
  function setUpFilter(root) {
    const anchor = root.querySelector("#claims-filter");
    if (!anchor || anchor.querySelector("input")) return;
    const input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter the claims: a word, a row (002-11), a verdict (contradicted)…";
    input.setAttribute("aria-label", "Filter the claims tables");
    const count = document.createElement("span");
    count.className = "claims-filter-count";
    anchor.append(input, count);
    const rows = () => [...root.querySelectorAll("article table")]
      .filter((t) => t.querySelector("span[id]"))  // the ledger tables: each row carries its anchor
      .flatMap((t) => [...t.tBodies[0].rows]);
    const apply = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      const all = rows();
      for (const row of all) {
        const text = row.textContent.toLowerCase();
        const match = words.every((w) => text.includes(w));
        row.hidden = !match;
        shown += match ? 1 : 0;
      }
      count.textContent = words.length ? `${shown} of ${all.length} rows` : "";
    };
    input.addEventListener("input", apply);
  }

  function setUp() {
    if (typeof Tablesort === "undefined") return;
    setUpSorting(document);
    setUpFilter(document);
  }

  if (window.document$) window.document$.subscribe(setUp);
  else document.addEventListener("DOMContentLoaded", setUp);
})();
