#!/usr/bin/env node
// Browser test of the latent explorer page (run by `make site-check`, part of `make test`).
//
// The Makefile serves site/ on 127.0.0.1 and runs:
//   node tools/check_explorer.mjs --base http://127.0.0.1:PORT/ --results build/explorer-check.json
// then `python -m vaelib.explorer build/explorer-check.json site`, which compares every image recorded here with
// the PyTorch decoder rebuilt from the same ONNX file.
//
// In headless Chromium (Debian's /usr/bin/chromium through playwright-core), with every request off 127.0.0.1
// aborted (the page must work with no network):
//   1. first load of explorer/: every explorer starts (onnxruntime-web and the decoder load); for each, the pointer
//      moves to two test codes of different classes and the decoded image is read back from the page, both as the
//      model's output and as the pixels drawn on the canvas; then both points are clicked and the interpolation
//      strip is read back;
//   2. instant navigation: from the overview, a click on the navigation link to the explorer page, which must
//      arrive without a reload and start its explorers again; one more probe per explorer.
// Console errors, page errors, HTTP errors and blocked requests fail the test. Exit status 1 on any failure.

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" },
    page: { type: "string", default: "explorer/" },
    results: { type: "string", default: "build/explorer-check.json" },
    screenshot: { type: "string", default: "build/site-screenshots/explorer.test.png" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    timeout: { type: "string", default: "60000" },
  },
});
if (!args.base) {
  console.error("usage: check_explorer.mjs --base http://127.0.0.1:PORT/ [--results FILE] [--chromium PATH]");
  process.exit(2);
}
const BASE = new URL(args.base.endsWith("/") ? args.base : `${args.base}/`);
const TARGET = new URL(args.page, BASE).href;
const TIMEOUT = Number(args.timeout);

// Runs in the page: wait until every explorer is ready (or failed); their manifests and states.
async function explorersReady() {
  const roots = [...document.querySelectorAll(".vae-explorer[data-manifest]")];
  const out = [];
  for (const root of roots) {
    let error = null;
    try {
      await root.vaeExplorer.ready;
    } catch (e) {
      error = String(e && e.message ? e.message : e);
    }
    out.push({ manifest: new URL(root.dataset.manifest, location.href).pathname, state: root.dataset.state, error });
  }
  return out;
}

// Two probe points per explorer: the first test code of class 0 and of the last class, well apart in the plane.
function probePoints(manifest) {
  const { z, label } = manifest.points;
  const last = Math.max(...label);
  const a = z[label.indexOf(0)];
  const b = z[label.indexOf(last)];
  return [a, b];
}

async function hoverAndRead(page, index, z) {
  const handle = page.locator(".vae-explorer[data-manifest]").nth(index);
  await handle.scrollIntoViewIfNeeded();
  const pos = await handle.evaluate((root, zz) => root.vaeExplorer.clientAt(zz), z);
  await page.mouse.move(pos.x, pos.y, { steps: 4 });
  return handle.evaluate(async (root) => {
    await root.vaeExplorer.idle();
    return root.vaeExplorer.last;
  });
}

async function clickStrip(page, index, za, zb) {
  const handle = page.locator(".vae-explorer[data-manifest]").nth(index);
  for (const z of [za, zb]) {
    const pos = await handle.evaluate((root, zz) => root.vaeExplorer.clientAt(zz), z);
    await page.mouse.click(pos.x, pos.y);
  }
  return handle.evaluate(async (root) => {
    await root.vaeExplorer.idle();
    return root.vaeExplorer.strip;
  });
}

async function main() {
  const browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  context.setDefaultTimeout(TIMEOUT);
  const problems = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === BASE.hostname && url.port === BASE.port) return route.continue();
    problems.push(`request off ${BASE.host} (blocked): ${url.href}`);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });

  const explorers = [];
  // 1. first load
  await page.goto(TARGET, { waitUntil: "networkidle" });
  const states = await page.evaluate(explorersReady);
  if (states.length < 2) problems.push(`expected the MNIST and Fashion-MNIST explorers, found ${states.length}`);
  for (const [i, st] of states.entries()) {
    if (st.state !== "ready") {
      problems.push(`${st.manifest}: explorer not ready (${st.state}${st.error ? `: ${st.error}` : ""})`);
      continue;
    }
    const manifest = await (await page.request.get(new URL(st.manifest, BASE).href)).json();
    const [a, b] = probePoints(manifest);
    const probes = [];
    for (const z of [a, b]) {
      const last = await hoverAndRead(page, i, z);
      if (!last) problems.push(`${st.manifest}: no decode after moving to z=${z}`);
      else probes.push({ ...last, target: z, when: "first load" });
    }
    const strip = await clickStrip(page, i, a, b);
    if (!strip) problems.push(`${st.manifest}: no interpolation strip after two clicks`);
    explorers.push({ manifest: st.manifest.slice(BASE.pathname.length), probes, strip });
  }
  mkdirSync(path.dirname(args.screenshot), { recursive: true });
  await page.screenshot({ path: args.screenshot, fullPage: true });

  // 2. instant navigation from the overview
  await page.goto(BASE.href, { waitUntil: "networkidle" });
  await page.evaluate(() => {
    window.__explorerCheckNoReload = true;
  });
  const link = page.locator(`nav.md-nav--primary a.md-nav__link[href$="${args.page}"]`).first();
  if ((await link.count()) === 0) {
    problems.push(`no navigation link to ${args.page} on the overview`);
  } else {
    if (await link.isVisible()) await link.click();
    else await link.evaluate((a) => a.click());
    await page.waitForURL(TARGET);
    await page.waitForFunction(() => document.querySelectorAll(".vae-explorer[data-manifest]").length > 0);
    await page.waitForFunction(() =>
      [...document.querySelectorAll(".vae-explorer[data-manifest]")].every((r) => r.vaeExplorer),
    );
    if (!(await page.evaluate(() => window.__explorerCheckNoReload === true))) {
      problems.push("the click reloaded the page: instant navigation is not active");
    }
    const again = await page.evaluate(explorersReady);
    for (const [i, st] of again.entries()) {
      if (st.state !== "ready") {
        problems.push(`${st.manifest} (instant navigation): not ready (${st.state}${st.error ? `: ${st.error}` : ""})`);
        continue;
      }
      const ex = explorers.find((e) => st.manifest.endsWith(e.manifest));
      if (!ex) continue;
      const target = ex.probes[0]?.target;
      if (!target) continue;
      // a point halfway between the two first-load probes, so this decode is a new one
      const mid = [(ex.probes[0].target[0] + ex.probes[1].target[0]) / 2, (ex.probes[0].target[1] + ex.probes[1].target[1]) / 2];
      const last = await hoverAndRead(page, i, mid);
      if (!last) problems.push(`${st.manifest} (instant navigation): no decode`);
      else ex.probes.push({ ...last, target: mid, when: "instant navigation" });
    }
    await page.screenshot({ path: args.screenshot.replace(/\.png$/, ".instant.png"), fullPage: true });
  }
  const version = browser.version();
  await browser.close();

  mkdirSync(path.dirname(args.results), { recursive: true });
  writeFileSync(args.results, JSON.stringify({ chromium: version, page: TARGET, explorers, problems }));
  const decodes = explorers.reduce((n, e) => n + e.probes.length + (e.strip ? e.strip.images.length : 0), 0);
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(
    `explorer browser test: ${problems.length ? "FAILED" : "ok"}: ${explorers.length} explorers, ${decodes} images ` +
      `decoded in Chromium ${version}; results in ${args.results}`,
  );
  return problems.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`explorer browser test: ${error.stack || error}`);
    process.exit(1);
  },
);
