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
//   1. first load of explorer/: every explorer starts (onnxruntime-web and its first model load) with no canvas
//      left black; for each, the pointer moves to two test codes of different classes and the decoded image is read
//      back from the page, both as the model's output and as the pixels drawn on the canvas; then both points are
//      clicked and the interpolation strip is read back. Then the input half: a fixed stroke drawn on the pad with
//      the mouse (real pointer events), three samples; a picked test image, two samples; every other model chosen
//      in the selector (each encodes the picked image again), one sample each; on a deterministic autoencoder the
//      stroke is drawn again. Every encoded input is recorded (raw pad raster, prepared input, mu, logvar, decodes,
//      eps, z), with a screenshot of the explorer in each state;
//   2. instant navigation: from a notebook page two levels deep, a click on the navigation link to the explorer
//      page, which must arrive without a reload and start its explorers again; then to the overview and back
//      (the explorers mount again with the models already loaded); one more probe per explorer each time;
//   3. a phone-width screen (390 px, touch): the page fits without horizontal scrolling, the plane comes above the
//      panel, and a stroke drawn with touch events is encoded (and recorded like the others).
// Console errors, page errors, HTTP errors and blocked requests fail the test. Exit status 1 on any failure. The
// browser's encode and decode times and the bytes each model downloads are printed and kept in the results.

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

const EXPLORER = ".vae-explorer";

// Runs in the page: wait until every explorer is ready (or failed); the models each lists, and their states.
async function explorersReady() {
  const roots = [...document.querySelectorAll(".vae-explorer")];
  const out = [];
  for (const root of roots) {
    for (let waited = 0; !root.vaeExplorer && waited < 10000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let error = null;
    try {
      await root.vaeExplorer.ready;
      await root.vaeExplorer.idle();
    } catch (e) {
      error = String(e && e.message ? e.message : e);
    }
    const urls = root.vaeExplorer ? root.vaeExplorer.urls : [];
    out.push({
      manifests: urls.map((u) => new URL(u).pathname),
      manifest: urls.length ? new URL(urls[0]).pathname : null,
      state: root.dataset.state,
      error,
    });
  }
  return out;
}

// Runs in the page: the explorer's canvases that are entirely black (none should be before the pointer moves).
function blackCanvases(root) {
  const names = ["scatter", "prepared", "recon", "sampled", "decode"];
  return names.filter((name) => {
    const c = root.querySelector(`.vae-explorer__${name}`);
    if (!c || !c.width) return true;
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < data.length; i += 4) if (data[i] || data[i + 1] || data[i + 2]) return false;
    return true;
  });
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
  const handle = page.locator(EXPLORER).nth(index);
  await handle.locator(".vae-explorer__scatter").evaluate((c) => c.scrollIntoView({ block: "center" }));
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
  const handle = page.locator(EXPLORER).nth(index);
  for (const z of [za, zb]) {
    const pos = await handle.evaluate((root, zz) => root.vaeExplorer.clientAt(zz), z);
    await page.mouse.click(pos.x, pos.y);
  }
  return handle.evaluate(async (root) => {
    await root.vaeExplorer.idle();
    return root.vaeExplorer.strip;
  });
}

// The fixed stroke: a "7"-like path over the pad, as fractions of its width and height.
const STROKE = [
  [0.22, 0.2], [0.4, 0.19], [0.58, 0.18], [0.76, 0.2], [0.7, 0.35], [0.62, 0.5], [0.55, 0.65], [0.5, 0.82],
];

// The explorer's current input record once nothing is pending, with its paths relative to the site root.
async function record(handle) {
  return handle.evaluate(async (root) => {
    await root.vaeExplorer.idle();
    return JSON.parse(JSON.stringify(root.vaeExplorer.encoded));
  });
}

// Draws STROKE on explorer `handle`'s pad with the mouse: pointerdown, moves in small steps, pointerup.
async function drawStroke(page, handle) {
  await handle.locator(".vae-explorer__clear").click();
  // centred in the window: at its top edge, Material's sticky header would be over the pad
  await handle.locator(".vae-explorer__pad").evaluate((pad) => pad.scrollIntoView({ block: "center" }));
  const at = (p) => handle.evaluate((root, q) => root.vaeExplorer.padClientAt(q[0], q[1]), p);
  const start = await at(STROKE[0]);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (const p of STROKE.slice(1)) {
    const q = await at(p);
    await page.mouse.move(q.x, q.y, { steps: 4 });
  }
  await page.mouse.up();
}

// A screenshot of one explorer, clipped from the full page (so Material's fixed header does not cover it).
async function shoot(page, handle, file) {
  const clip = await handle.evaluate((el) => {
    window.scrollTo(0, 0); // the sticky header then stays at the top of the full-page capture
    const r = el.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
  });
  await page.screenshot({ path: file, fullPage: true, clip });
}

// Ten more encodes and decodes of the current input, for the timings (the page records each run's duration).
async function bench(handle) {
  await handle.evaluate(async (root) => {
    const ex = root.vaeExplorer;
    await ex.idle();
    if (!ex.encoded) return;
    for (let k = 0; k < 10; k++) {
      await ex.encodeImage(ex.encoded.prepared, ex.model);
      await ex.decode([ex.encoded.mu]);
    }
  });
}

async function sample(handle, times) {
  for (let k = 0; k < times; k++) await handle.locator(".vae-explorer__sample").click();
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
  const rel = (p) => (p && p.startsWith(BASE.pathname) ? p.slice(BASE.pathname.length) : p);
  const shots = path.dirname(args.screenshot);
  mkdirSync(shots, { recursive: true });
  // 1. first load
  await page.goto(TARGET, { waitUntil: "networkidle" });
  const states = await page.evaluate(explorersReady);
  if (states.length !== 2) problems.push(`expected the MNIST and Fashion-MNIST explorers, found ${states.length}`);
  await page.screenshot({ path: args.screenshot, fullPage: true });
  for (const [i, st] of states.entries()) {
    if (st.state !== "ready") {
      problems.push(`${st.manifest}: explorer not ready (${st.state}${st.error ? `: ${st.error}` : ""})`);
      continue;
    }
    const handle = page.locator(EXPLORER).nth(i);
    const name = path.basename(st.manifest, ".json");
    const black = await handle.evaluate(blackCanvases);
    if (black.length) problems.push(`${st.manifest}: black before the pointer moved: ${black.join(", ")}`);
    await shoot(page, handle, path.join(shots, `${name}.start.png`));
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

    // the input half: a stroke, a pick, every model, samples
    const encodes = [];
    const keep = async (what) => {
      const rec = await record(handle);
      if (!rec) {
        problems.push(`${st.manifest}: nothing encoded after ${what}`);
        return null;
      }
      encodes.push({ ...rec, manifest: rel(rec.manifest), source: rel(rec.source), when: what });
      return rec;
    };
    await drawStroke(page, handle);
    await sample(handle, 3);
    await keep("stroke, 3 samples");
    await shoot(page, handle, path.join(shots, `${name}.stroke.png`));
    await handle.locator(".vae-explorer__thumb").nth(2).click();
    await sample(handle, 2);
    await keep("pick, 2 samples");
    await bench(handle);
    await shoot(page, handle, path.join(shots, `${name}.pick.png`));
    for (let k = 1; k < st.manifests.length; k++) {
      await handle.locator(".vae-explorer__select").selectOption(String(k));
      const shown = await handle.evaluate(async (root, kk) => {
        await root.vaeExplorer.idle();
        return root.vaeExplorer.index === kk;
      }, k);
      if (!shown) {
        problems.push(`${st.manifests[k]}: not shown after choosing it`);
        continue;
      }
      await sample(handle, 1);
      const rec = await keep(`model ${k}, the picked image, 1 sample`);
      await bench(handle);
      const model = path.basename(st.manifests[k], ".json");
      await shoot(page, handle, path.join(shots, `${model}.pick.png`));
      if (rec && rec.logvar === null) {
        await drawStroke(page, handle);
        await sample(handle, 3);
        await keep(`model ${k}, stroke, 3 prior samples`);
        await shoot(page, handle, path.join(shots, `${model}.stroke.png`));
      }
    }
    const timings = await handle.evaluate((root) => root.vaeExplorer.timings);
    explorers.push({
      manifest: rel(st.manifest),
      manifests: st.manifests.map(rel),
      probes,
      strip,
      encodes,
      timings,
    });
  }
  // what the page downloaded: the runtime, and each model's manifest and graphs
  const downloads = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((e) => ({ url: new URL(e.name).pathname, bytes: e.encodedBodySize || e.transferSize || 0 })),
  );
  await page.screenshot({ path: args.screenshot.replace(/\.png$/, ".inputs.png"), fullPage: true });

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
      (want) => (document.querySelectorAll(".vae-explorer").length > 0) === want,
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
      const roots = [...document.querySelectorAll(".vae-explorer")];
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

  // 3. a phone-width screen, drawing with a finger
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    hasTouch: true,
    isMobile: true,
    serviceWorkers: "block",
  });
  phone.setDefaultTimeout(TIMEOUT);
  await phone.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === BASE.hostname && url.port === BASE.port) return route.continue();
    problems.push(`request off ${BASE.host} (blocked, phone): ${url.href}`);
    return route.abort("blockedbyclient");
  });
  const small = await phone.newPage();
  small.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error (phone): ${msg.text()}`);
  });
  small.on("pageerror", (error) => problems.push(`page error (phone): ${error.message}`));
  await small.goto(TARGET, { waitUntil: "networkidle" });
  const phoneStates = await small.evaluate(explorersReady);
  const layout = await small.evaluate(() => {
    const root = document.querySelector(".vae-explorer");
    const plane = root.querySelector(".vae-explorer__scatter").getBoundingClientRect();
    const side = root.querySelector(".vae-explorer__side").getBoundingClientRect();
    // a mobile browser widens its layout viewport to content wider than the screen (and zooms out)
    const width = Math.max(document.documentElement.scrollWidth, window.innerWidth);
    return { overflow: width - screen.width, plane: plane.width, stacked: side.top >= plane.bottom };
  });
  if (layout.overflow > 0) problems.push(`phone width: the content is ${layout.overflow} px wider than the screen`);
  if (!layout.stacked || layout.plane < 250) problems.push(`phone width: not one column (${JSON.stringify(layout)})`);
  if (phoneStates[0] && phoneStates[0].state === "ready") {
    const handle = small.locator(EXPLORER).first();
    await handle.locator(".vae-explorer__pad").evaluate((pad) => pad.scrollIntoView({ block: "center" }));
    const cdp = await phone.newCDPSession(small);
    const pts = [];
    for (const p of STROKE) pts.push(await handle.evaluate((root, q) => root.vaeExplorer.padClientAt(q[0], q[1]), p));
    const touch = (type, q) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: q ? [{ x: q.x, y: q.y }] : [] });
    await touch("touchStart", pts[0]);
    for (let k = 1; k < pts.length; k++) {
      for (let s = 1; s <= 4; s++) {
        const t = s / 4;
        await touch("touchMove", { x: pts[k - 1].x + t * (pts[k].x - pts[k - 1].x), y: pts[k - 1].y + t * (pts[k].y - pts[k - 1].y) });
      }
    }
    await touch("touchEnd");
    await handle.locator(".vae-explorer__sample").tap();
    const rec = await record(handle);
    if (!rec || rec.kind !== "stroke") problems.push("phone width: a stroke drawn with touch was not encoded");
    else {
      const ex = explorers.find((e) => e.manifest === rel(rec.manifest));
      if (ex) ex.encodes.push({ ...rec, manifest: rel(rec.manifest), source: rel(rec.source), when: "phone, touch stroke" });
    }
    await shoot(small, handle, args.screenshot.replace(/\.png$/, ".phone.png"));
  } else problems.push("phone width: the explorer did not start");
  await phone.close();

  const version = browser.version();
  await browser.close();

  // the browser's timings (ms per call, after the first, which includes the graph's warm-up)
  const median = (v) => {
    const s = [...v].sort((x, y) => x - y);
    return s.length ? s[Math.floor(s.length / 2)] : NaN;
  };
  const sizes = {};
  for (const d of downloads) {
    const m = d.url.match(/\/(explorer-[^/]*?)(-encoder)?\.(json|onnx)$/);
    if (m) sizes[m[1]] = (sizes[m[1]] || 0) + d.bytes;
  }
  const summary = explorers.flatMap((ex) =>
    Object.entries(ex.timings).map(([model, t]) => ({
      model: rel(model),
      encodeMs: median(t.encode.slice(1)),
      decodeMs: median(t.decode.slice(1)),
      firstEncodeMs: t.encode[0],
      loadMs: t.load[0],
      bytes: sizes[path.basename(model, ".json")] || 0,
    })),
  );
  const runtime = downloads.filter((d) => d.url.includes("onnxruntime-web")).reduce((n, d) => n + d.bytes, 0);
  mkdirSync(path.dirname(args.results), { recursive: true });
  writeFileSync(args.results, JSON.stringify({ chromium: version, page: TARGET, explorers, downloads, summary, problems }));
  const decodes = explorers.reduce((n, e) => n + e.probes.length + (e.strip ? e.strip.images.length : 0), 0);
  const encodes = explorers.reduce((n, e) => n + e.encodes.length, 0);
  for (const s of summary) {
    console.log(
      `  ${s.model}: ${(s.bytes / 1024).toFixed(0)} KiB, loaded in ${s.loadMs.toFixed(0)} ms; per image: encode ` +
        `${s.encodeMs.toFixed(2)} ms, decode ${s.decodeMs.toFixed(2)} ms (medians; first encode ${s.firstEncodeMs.toFixed(1)} ms)`,
    );
  }
  console.log(`  onnxruntime-web: ${(runtime / 1024).toFixed(0)} KiB`);
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(
    `explorer browser test: ${problems.length ? "FAILED" : "ok"}: ${explorers.length} explorers, ${decodes} images ` +
      `decoded and ${encodes} inputs encoded in Chromium ${version}; results in ${args.results}`,
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
