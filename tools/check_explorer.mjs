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
//   2. instant navigation: from a notebook page two levels deep, a click on the navigation link to the explorer
//      page, which must arrive without a reload and start its explorers again; then to the overview and back
//      (the explorers mount again with the decoders already loaded); one more probe per explorer each time.
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
    from: { type: "string", default: "notebooks/03_latent_2d/" },
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

// Moves the pointer to latent point z (through intermediate positions, as a hand would) and returns the decode
// the page shows once it has caught up with the final position: {z, output, canvas, pixel}. A page that never
// decodes the point under the pointer (within 1.5 screen pixels) times out here.
async function hoverAndRead(page, index, z) {
  const handle = page.locator(".vae-explorer[data-manifest]").nth(index);
  await handle.scrollIntoViewIfNeeded();
  const pos = await handle.evaluate((root, zz) => root.vaeExplorer.clientAt(zz), z);
  await page.mouse.move(pos.x, pos.y, { steps: 4 });
  await handle.evaluate(
    (root, zz) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + 20000;
        const poll = async () => {
          const ex = root.vaeExplorer;
          await ex.idle();
          const last = ex.last;
          const near = last && Math.max(Math.abs(last.z[0] - zz[0]), Math.abs(last.z[1] - zz[1])) <= 1.5 * ex.pixel();
          if (near) resolve();
          else if (Date.now() > deadline) reject(new Error(`no decode at z=${zz} (last: ${last && last.z})`));
          else setTimeout(poll, 50);
        };
        poll();
      }),
    z,
  );
  return handle.evaluate((root) => ({ ...root.vaeExplorer.last, pixel: root.vaeExplorer.pixel() }));
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
  if (states.length !== 2) problems.push(`expected the MNIST and Fashion-MNIST explorers, found ${states.length}`);
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

  // 2. instant navigation: from a page two levels deep (relative asset URLs must resolve against the new page),
  //    then away to the overview and back (the explorers mount again, reusing the loaded decoders)
  await page.goto(new URL(args.from, BASE).href, { waitUntil: "networkidle" });
  await page.evaluate(() => {
    window.__explorerCheckNoReload = true;
  });
  // Clicks the primary-navigation link to `href` (a dispatched click: Material intercepts it for instant
  // navigation, whether or not its section is expanded) and waits for the new page's content.
  const navigate = async (href) => {
    const clicked = await page.evaluate((target) => {
      const a = [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]")].find((l) => l.href === target);
      if (!a) return false;
      a.click();
      return true;
    }, href);
    if (!clicked) return false;
    await page.waitForURL(href);
    const wantExplorer = href === TARGET;
    await page.waitForFunction(
      (want) => (document.querySelectorAll(".vae-explorer[data-manifest]").length > 0) === want,
      wantExplorer,
    );
    return true;
  };
  for (const [step, hops] of [["instant navigation", [TARGET]], ["instant navigation, second visit", [BASE.href, TARGET]]]) {
    let arrived = true;
    for (const href of hops) arrived = arrived && (await navigate(href));
    if (!arrived) {
      problems.push(`${step}: no navigation link found`);
      continue;
    }
    await page.waitForFunction(() => {
      const roots = [...document.querySelectorAll(".vae-explorer[data-manifest]")];
      return roots.length > 0 && roots.every((r) => r.vaeExplorer);
    });
    const again = await page.evaluate(explorersReady);
    if (again.length !== states.length) problems.push(`${step}: ${again.length} explorers`);
    for (const [i, st] of again.entries()) {
      if (st.state !== "ready") {
        problems.push(`${st.manifest} (${step}): not ready (${st.state}${st.error ? `: ${st.error}` : ""})`);
        continue;
      }
      const ex = explorers.find((e) => st.manifest.endsWith(e.manifest));
      if (!ex || ex.probes.length < 2) continue;
      // a point between the two first-load probes, so this decode is a new one
      const [p, q] = [ex.probes[0].target, ex.probes[1].target];
      const w = step.endsWith("second visit") ? 0.25 : 0.5;
      const mid = [(1 - w) * p[0] + w * q[0], (1 - w) * p[1] + w * q[1]];
      const last = await hoverAndRead(page, i, mid);
      ex.probes.push({ ...last, target: mid, when: step });
    }
  }
  if (!(await page.evaluate(() => window.__explorerCheckNoReload === true))) {
    problems.push("a navigation click reloaded the page: instant navigation is not active");
  }
  await page.screenshot({ path: args.screenshot.replace(/\.png$/, ".instant.png"), fullPage: true });

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
