#!/usr/bin/env node
// Browser check of the built report site (run by `make site-check`, part of `make test`).
//
// The Makefile serves site/ on 127.0.0.1 and runs:
//   node tools/check_site.mjs --site site --base http://127.0.0.1:PORT/ --out build/site-screenshots
// Every page of the built site (every index.html under site/, 404.html left out) is opened in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and checked:
//   - every <img> has loaded (complete and naturalWidth > 0), and no request got an HTTP error;
//   - on the report's own pages (not the rendered notebooks): every image sits in a captioned figure; no visible
//     table is wider than the content column (at the check's 1280 x 900 window); no run folder name
//     (mnist-conv-z2-...-f4273ae7f4) in the text; every experiment page has its "Key findings" block;
//   - no page scrolls sideways;
//   - every page with math has it typeset by MathJax: <mjx-container> present and drawn (each glyph has its
//     CSS, no zero-width formula, no font failed to load), no MathJax error, and no raw
//     \( \) \[ \] $$ (or $...$ in notebook Markdown cells) left in the text of .arithmatex elements,
//     rendered Markdown cells or anywhere in the article outside code;
//   - the console shows no errors (console 'error' messages and uncaught page errors);
//   - no request leaves 127.0.0.1: every request is routed, any other host is aborted and is a failure.
// Then instant navigation: from the overview, a click on the navigation link to each page with math, which
// must arrive without a full reload (Material's navigation.instant) and with its math typeset.
// A full-page screenshot of each page is saved to --out/<page>.png (and <page>.instant.png as reached by
// instant navigation). One line per page; exit status 1 on any failure.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    site: { type: "string", default: "site" },
    base: { type: "string" },
    out: { type: "string", default: "build/site-screenshots" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    timeout: { type: "string", default: "30000" },
  },
});
if (!args.base) {
  console.error("usage: check_site.mjs --base http://127.0.0.1:PORT/ [--site site] [--out DIR] [--chromium PATH]");
  process.exit(2);
}
const BASE = new URL(args.base.endsWith("/") ? args.base : `${args.base}/`);
const TIMEOUT = Number(args.timeout);
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// ---------------------------------------------------------------------------------------------- pages
function listPages(siteDir) {
  const pages = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === "index.html") pages.push(path.relative(siteDir, dir).split(path.sep).join("/"));
    }
  };
  walk(siteDir);
  // "" is the overview (site/index.html); "beta" is site/beta/index.html, served at beta/.
  return pages.sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)));
}
// Pages that open with "What you will learn" and a generated "Key findings" block.
const EXPERIMENT_PAGES = [
  "data", "vae-vs-ae", "latent-2d", "beta", "latent-size", "sampling", "evaluation", "ood", "sharper-decoders", "claims",
];
const pageUrl = (rel) => new URL(rel ? `${rel}/` : "", BASE).href;
const pageName = (rel) => (rel ? rel.replaceAll("/", "__") : "index");

async function waitForServer(url, deadline = Date.now() + 15000) {
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// --------------------------------------------------------------------------------- in-page probes
// Runs in the page: waits for MathJax (startup and any re-typeset chained on startup.promise), then for
// every image (lazy ones made eager first), then for fonts, then for any latent explorer to start.
async function settle() {
  const mathjax = window.MathJax;
  if (mathjax && mathjax.startup && mathjax.startup.promise) {
    // A re-typeset (instant navigation) replaces startup.promise: wait until it stops changing.
    let promise;
    do {
      promise = mathjax.startup.promise;
      await promise;
    } while (promise !== mathjax.startup.promise);
  }
  const images = [...document.images];
  for (const img of images) if (img.loading === "lazy") img.loading = "eager";
  await Promise.all(
    images.map((img) =>
      img.complete
        ? null
        : new Promise((resolve) => {
            img.addEventListener("load", resolve, { once: true });
            img.addEventListener("error", resolve, { once: true });
          }),
    ),
  );
  if (document.fonts) await document.fonts.ready;
  // Latent explorers (explorer.js) load their decoder after the page: wait for them too, so that a request of
  // theirs still in flight is not cut off by the next navigation (and blamed on the next page).
  for (const root of document.querySelectorAll(".vae-explorer")) {
    // explorer.js mounts on Material's document$, which may fire just after the content is in place
    for (let waited = 0; !root.vaeExplorer && waited < 10000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (root.vaeExplorer) await root.vaeExplorer.ready.catch(() => {});
  }
}

// Runs in the page: what the checks need, as plain data.
function inspect() {
  const RAW = [
    ["\\(", /\\\(/],
    ["\\)", /\\\)/],
    ["\\[", /\\\[/],
    ["\\]", /\\\]/],
    ["$$", /\$\$/],
  ];
  const INLINE_DOLLAR = /\$[^$\s][^$]*\$/; // $...$ left in a notebook Markdown cell
  const visibleText = (el) => {
    const clone = el.cloneNode(true);
    for (const skip of clone.querySelectorAll("mjx-container, code, pre, script, style, .highlight")) skip.remove();
    return clone.textContent || "";
  };
  const arithmatex = [...document.querySelectorAll(".arithmatex")];
  const cells = [...document.querySelectorAll(".jp-MarkdownOutput")];
  const raw = [];
  for (const el of [...arithmatex, ...cells]) {
    const text = visibleText(el);
    const found = RAW.filter(([, re]) => re.test(text)).map(([name]) => name);
    if (el.classList.contains("jp-MarkdownOutput") && INLINE_DOLLAR.test(text)) found.push("$...$");
    if (found.length) raw.push(`${found.join(" ")} in "${text.trim().replace(/\s+/g, " ").slice(0, 80)}"`);
  }
  // Math that never reached MathJax (e.g. $$ ... $$ that Markdown did not hand to arithmatex): raw delimiters
  // anywhere in the page's article text, code blocks left out.
  const article = document.querySelector("article") || document.body;
  const articleText = visibleText(article);
  for (const [name, re] of RAW) {
    const at = articleText.search(re);
    if (at >= 0 && !raw.some((r) => r.startsWith(name))) {
      raw.push(`${name} in page text "${articleText.slice(Math.max(0, at - 30), at + 50).replace(/\s+/g, " ").trim()}"`);
    }
  }
  const containers = document.querySelectorAll("mjx-container").length;
  // A typeset glyph is drawn by a ::before rule of MathJax's CHTML stylesheet: without it the math is invisible.
  // Invisible by design, with no CSS: spaces, function application and the other invisible operators, ZW(N)J.
  const blank = (cp) =>
    cp === 0x20 || cp === 0xa0 || (cp >= 0x2000 && cp <= 0x200d) || cp === 0x202f || cp === 0x205f ||
    (cp >= 0x2060 && cp <= 0x2064) || cp === 0x3000 || cp === 0xfeff;
  const invisibleGlyphs = [...document.querySelectorAll("mjx-container mjx-c")].filter((c) => {
    if (c.textContent) return false;
    const code = /(?:^|\s)mjx-c([0-9A-F]+)(?:\s|$)/i.exec(c.className);
    if (code && blank(parseInt(code[1], 16))) return false;
    const content = getComputedStyle(c, "::before").content;
    return content === "none" || content === "normal" || content === '""';
  }).length;
  const zeroWidth = [...document.querySelectorAll("mjx-container")].filter((c) => {
    const box = c.getBoundingClientRect();
    return c.offsetParent !== null && box.width === 0;
  }).length;
  const brokenFonts = document.fonts ? [...document.fonts].filter((f) => f.status === "error").map((f) => f.family) : [];
  const untypesetArithmatex = arithmatex.filter((el) => !el.querySelector("mjx-container")).length;
  const images = [...document.images].map((img) => ({
    src: img.currentSrc || img.src,
    ok: img.complete && img.naturalWidth > 0,
  }));
  // Reader-facing pages: every content image inside a captioned <figure> (tools/mkdocs_hooks.py numbers them).
  const uncaptioned = [...article.querySelectorAll("img")]
    .filter((img) => !(img.closest("figure") && img.closest("figure").querySelector("figcaption")))
    .map((img) => img.getAttribute("src"));
  // Layout at the check's 1280 px window: a visible table wider than the content column hides columns behind a
  // scroll (tables inside a closed <details> are not rendered, so a folded full table does not count).
  const column = article.getBoundingClientRect().width;
  const wideTables = [...article.querySelectorAll("table")]
    // (a closed <details> is tested by name: recent Chromium lays out its hidden content, offsetParent included)
    .filter((t) => t.offsetParent !== null && !t.closest("details:not([open])"))
    .filter((t) => !t.closest(".jp-OutputArea, .jp-Cell-outputWrapper, pre"))
    .map((t) => ({ width: Math.round(t.getBoundingClientRect().width), head: t.rows[0]?.textContent.trim().replace(/\s+/g, " ").slice(0, 60) }))
    .filter((t) => t.width > column + 1);
  const pageOverflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  // Reader-facing text names models, never run folders (e.g. mnist-conv-z2-b0.001-mean-f4273ae7f4).
  const RUN_HASH = /\b(?:mnist|fashion-mnist|classifier)-[a-z0-9_.-]*-[0-9a-f]{10}\b/g;
  const runHashes = [...new Set(visibleText(article).match(RUN_HASH) || [])];
  const keyFindings = Boolean(
    [...article.querySelectorAll(".admonition-title, summary")].find((t) => /key findings/i.test(t.textContent)),
  );
  return {
    url: location.href,
    title: document.title,
    uncaptioned,
    column: Math.round(column),
    wideTables,
    pageOverflow,
    runHashes,
    keyFindings,
    containers,
    mathErrors: document.querySelectorAll("mjx-merror").length,
    invisibleGlyphs,
    zeroWidth,
    brokenFonts,
    arithmatex: arithmatex.length,
    untypesetArithmatex,
    raw,
    hasMath: containers > 0 || arithmatex.length > 0 || raw.length > 0,
    images,
    mathjaxLoaded: Boolean(window.MathJax && window.MathJax.version),
  };
}

function mathProblems(info) {
  const problems = [];
  if (!info.mathjaxLoaded) problems.push("MathJax did not load");
  if (!info.hasMath) return problems;
  if (info.containers === 0) problems.push("math present but no <mjx-container>");
  if (info.untypesetArithmatex) problems.push(`${info.untypesetArithmatex} .arithmatex element(s) not typeset`);
  if (info.mathErrors) problems.push(`${info.mathErrors} MathJax error(s) (mjx-merror)`);
  if (info.invisibleGlyphs) problems.push(`${info.invisibleGlyphs} typeset glyph(s) without their CSS (invisible)`);
  if (info.zeroWidth) problems.push(`${info.zeroWidth} visible <mjx-container>(s) of zero width`);
  if (info.brokenFonts.length) problems.push(`fonts failed to load: ${[...new Set(info.brokenFonts)].join(", ")}`);
  for (const raw of info.raw.slice(0, 5)) problems.push(`raw TeX left: ${raw}`);
  if (info.raw.length > 5) problems.push(`... and ${info.raw.length - 5} more element(s) with raw TeX`);
  return problems;
}

// ------------------------------------------------------------------------------------------- main
async function main() {
  const siteDir = path.resolve(args.site);
  if (!existsSync(path.join(siteDir, "index.html"))) throw new Error(`${siteDir}/index.html not found: build first`);
  const pages = listPages(siteDir);
  await waitForServer(BASE.href);

  rmSync(args.out, { recursive: true, force: true });
  mkdirSync(args.out, { recursive: true });

  const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  context.setDefaultTimeout(TIMEOUT);

  // Every request goes through here: 127.0.0.1 (the server under test) passes, anything else is aborted.
  let offsite = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" && url.port === BASE.port) return route.continue();
    offsite.push(url.href);
    return route.abort("blockedbyclient");
  });

  // Page-level listeners: console errors, uncaught errors, HTTP errors and failed requests.
  let events = [];
  const watch = (page) => {
    page.on("console", (msg) => {
      if (msg.type() === "error") events.push(`console error: ${msg.text()}`);
    });
    page.on("pageerror", (error) => events.push(`page error: ${error.message}`));
    page.on("response", (response) => {
      if (response.status() >= 400) events.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    page.on("requestfailed", (request) => {
      const url = new URL(request.url());
      if (url.hostname === "127.0.0.1") events.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    });
  };
  const take = () => {
    const taken = { events, offsite };
    events = [];
    offsite = [];
    return taken;
  };

  const results = [];
  const mathPages = [];
  const page = await context.newPage();
  watch(page);

  for (const rel of pages) {
    const url = pageUrl(rel);
    const problems = [];
    let info = null;
    try {
      const response = await page.goto(url, { waitUntil: "networkidle" });
      if (!response || !response.ok()) problems.push(`HTTP ${response ? response.status() : "no response"}`);
      await page.evaluate(settle);
      info = await page.evaluate(inspect);
      const broken = info.images.filter((img) => !img.ok);
      for (const img of broken) problems.push(`image not loaded: ${img.src}`);
      problems.push(...mathProblems(info));
      if (!rel.startsWith("notebooks/")) {
        for (const src of info.uncaptioned) problems.push(`image without a numbered caption: ${src}`);
        for (const t of info.wideTables) {
          problems.push(`table ${t.width} px wide in a ${info.column} px column: "${t.head}"`);
        }
        for (const name of info.runHashes) problems.push(`run folder name in the page text: ${name}`);
        if (EXPERIMENT_PAGES.includes(rel) && !info.keyFindings) problems.push("no key-findings block");
      }
      if (info.pageOverflow > 1) problems.push(`the page scrolls sideways by ${info.pageOverflow} px`);
      if (info.hasMath && rel !== "") mathPages.push(rel);
      await page.screenshot({ path: path.join(args.out, `${pageName(rel)}.png`), fullPage: true });
    } catch (error) {
      problems.push(`check failed: ${error.message.split("\n")[0]}`);
    }
    const { events: pageEvents, offsite: pageOffsite } = take();
    problems.push(...pageEvents);
    for (const href of pageOffsite) problems.push(`request off 127.0.0.1 (blocked): ${href}`);
    results.push({ name: `/${rel}${rel ? "/" : ""}`, info, problems });
  }

  // Instant navigation: overview -> click the nav link -> math typeset on arrival, without a reload.
  const navResults = [];
  for (const rel of mathPages) {
    const target = pageUrl(rel);
    const problems = [];
    let info = null;
    try {
      await page.goto(pageUrl(""), { waitUntil: "networkidle" });
      await page.evaluate(settle);
      await page.evaluate(() => {
        window.__siteCheckNoReload = true;
      });
      const marked = await page.evaluate((href) => {
        const links = [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]")];
        const link = links.find((a) => a.href === href);
        if (!link) return false;
        link.setAttribute("data-site-check", "target");
        return true;
      }, target);
      if (!marked) {
        problems.push("no navigation link to this page on the overview");
      } else {
        const link = page.locator('[data-site-check="target"]');
        // Mark the overview's content: the URL changes before Material swaps the content in, and the overview's
        // own math and images would otherwise be checked (and an explorer of the new page left loading).
        await page.evaluate(() => document.querySelector("article")?.setAttribute("data-site-check-old", ""));
        if (await link.isVisible()) await link.click();
        else await link.evaluate((a) => a.click()); // a collapsed section: the same click event, dispatched
        await page.waitForURL(target);
        await page.waitForFunction(() => !document.querySelector("article[data-site-check-old]"), null, {
          timeout: TIMEOUT,
        });
        // document$ fires after the new content is in place; the typeset is chained on startup.promise.
        await page
          .waitForFunction(() => document.querySelectorAll("mjx-container").length > 0, null, { timeout: TIMEOUT })
          .catch(() => {});
        await page.waitForLoadState("networkidle");
        await page.evaluate(settle);
        info = await page.evaluate(inspect);
        if (!(await page.evaluate(() => window.__siteCheckNoReload === true))) {
          problems.push("the click reloaded the page: instant navigation is not active");
        }
        problems.push(...mathProblems(info));
        for (const img of info.images.filter((i) => !i.ok)) problems.push(`image not loaded: ${img.src}`);
        await page.screenshot({ path: path.join(args.out, `${pageName(rel)}.instant.png`), fullPage: true });
      }
    } catch (error) {
      problems.push(`check failed: ${error.message.split("\n")[0]}`);
    }
    const { events: navEvents, offsite: navOffsite } = take();
    problems.push(...navEvents);
    for (const href of navOffsite) problems.push(`request off 127.0.0.1 (blocked): ${href}`);
    navResults.push({ name: `/ -> /${rel}/ (instant)`, info, problems });
  }

  const chromiumVersion = browser.version();
  await browser.close();

  // -------------------------------------------------------------------------------------- report
  let failures = 0;
  const line = ({ name, info, problems }) => {
    const status = problems.length ? "FAIL" : "ok  ";
    const math = info ? (info.hasMath ? `math ${info.containers}` : "no math") : "?";
    const imgs = info ? `${info.images.length} img` : "? img";
    console.log(`${status} ${name.padEnd(44)} ${imgs.padEnd(8)} ${math}`);
    for (const problem of problems) console.log(`       - ${problem}`);
    if (problems.length) failures += 1;
  };
  console.log(`site check: ${pages.length} pages served from ${BASE.href}, Chromium ${chromiumVersion}`);
  results.forEach(line);
  navResults.forEach(line);
  const total = results.length + navResults.length;
  console.log(
    `site check: ${total - failures}/${total} passed (${results.length} pages, ${navResults.length} instant navigations);` +
      ` screenshots in ${args.out}/`,
  );
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`site check: ${error.stack || error}`);
    process.exit(1);
  },
);
