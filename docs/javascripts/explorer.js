// Latent explorer: every <div class="vae-explorer" data-manifests="URL1 URL2 ..." data-labels="A | B | ..."> on a
// page becomes one explorer of a latent-2 model family on one data set, with a selector over the models (each
// manifest and its two ONNX graphs are fetched only when chosen; the first is the default). `data-manifest="URL"`
// (one model) still works. The models run in the page with onnxruntime-web (vendored under
// javascripts/vendor/onnxruntime-web/ by `make site`; nothing is fetched from another host).
//
// The plane shows the test codes; the point under the pointer is decoded live, and two clicks draw the
// interpolation strip between them. The input half: a drawing pad (pointer events: mouse, pen and touch) or a
// test image from the strip; a drawing is prepared as the data set's images were (`prepareDrawing`, the same
// operations as vaelib.explorer.prepare_drawing), the encoder gives mu and logvar, the plane shows mu with its 1
// and 2 sigma ellipses over the prior's circles, and the decode of mu appears beside the input. "Sample" draws
// eps ~ N(0, I) from a seeded generator and decodes z = mu + sigma * eps (for a deterministic autoencoder, which
// has no sigma, z = eps: a prior sample); the samples of one input accumulate as a cloud.
//
// Material's instant navigation swaps page content without reloading scripts: `document$` emits after every
// swap, and each new explorer element is mounted then. onnxruntime and the model sessions are loaded once and
// reused across pages.
//
// Tests read `element.vaeExplorer`: `ready` (a promise), `idle()` (resolves when nothing is pending),
// `clientAt(z)` (viewport coordinates of a latent point), `padClientAt(u, v)` (of a point of the pad, u and v in
// [0, 1]), `pixel()` (latent units per CSS pixel), `select(i)` (switch to model i; resolves when it is shown),
// `pickImage(i)`, `clearPad()`, `sample()`, `urls`, `index`, `last` ({z, output, canvas}: the latest hover
// decode, as model output and as read back from the drawn canvas), `strip` ({za, zb, images}), `encoded` (the
// current input: {manifest, kind, pick, source, pad, raw, prepared, mu, logvar, decodeMu, canvasMu, samples:
// [{eps, z, decodeZ, canvasZ}], cloud}) and `timings` (per model path: {load, encode, decode}, milliseconds per
// call: the model's fetch and set-up, each encoder run, each decoder run of one image).
(function () {
  "use strict";

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : window.location.href;
  const ORT_DIR = new URL("vendor/onnxruntime-web/", SCRIPT_URL).href;
  // matplotlib's tab10, the colours of the report's other latent scatters
  const PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ];
  const SCALE = 5; // screen pixels per image pixel in the enlarged images (input, decodes)
  const STRIP_SCALE = 3;
  const THUMB_SCALE = 2;
  // The drawing pad's raster: PAD x PAD pixels (four per image pixel), strokes PEN pixels wide in white. Its alpha
  // channel is the raw drawing the page prepares (and records, so the check can prepare it again in Python).
  const PAD = 112;
  const PEN = 9;
  const SEED = 2024; // of the sampling generator: the same page gives the same samples

  let ortPromise = null;
  const sessions = new Map(); // ONNX URL -> Promise<InferenceSession>
  const manifests = new Map(); // manifest URL -> Promise<manifest>
  // Every session.run goes through one queue: all sessions share one WebAssembly instance, and onnxruntime-web
  // keeps its stack allocations across the awaits inside run, so two runs must never interleave.
  let runQueue = Promise.resolve();

  function runExclusive(task) {
    const result = runQueue.then(task, task);
    runQueue = result.catch(() => {});
    return result;
  }

  function loadOrt() {
    if (!ortPromise) {
      ortPromise = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${ORT_DIR}ort.wasm.min.js`;
        script.onload = () => {
          const ort = window.ort;
          ort.env.wasm.wasmPaths = ORT_DIR; // the .mjs/.wasm pair next to the script, on this host
          ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a static host rarely gives
          ort.env.wasm.proxy = false;
          resolve(ort);
        };
        script.onerror = () => {
          script.remove();
          reject(new Error(`could not load ${script.src}`));
        };
        document.head.appendChild(script);
      });
      ortPromise.catch(() => {
        ortPromise = null; // a later page may try again
      });
    }
    return ortPromise;
  }

  function cached(map, key, create) {
    if (!map.has(key)) {
      const created = create();
      created.catch(() => map.delete(key)); // a later attempt may succeed
      map.set(key, created);
    }
    return map.get(key);
  }

  function session(url) {
    return cached(sessions, url, () =>
      loadOrt().then((ort) => ort.InferenceSession.create(url, { executionProviders: ["wasm"] })),
    );
  }

  function manifest(url) {
    return cached(manifests, url, async () => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return response.json();
    });
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  }

  // Draws one [C, H, W] image in [0, 1] (C = 1 grey, 3 RGB) into `ctx` at (x0, y0), `scale` pixels per pixel.
  function drawImage(ctx, data, offset, shape, x0, y0, scale) {
    const [c, h, w] = shape;
    const img = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      for (let k = 0; k < 3; k++) {
        const v = data[offset + (c === 1 ? 0 : k) * h * w + i];
        img.data[4 * i + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
      img.data[4 * i + 3] = 255;
    }
    // Nearest-neighbour enlargement: put the image on a small canvas, then draw it scaled without smoothing.
    const small = document.createElement("canvas");
    small.width = w;
    small.height = h;
    small.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, x0, y0, w * scale, h * scale);
  }

  // The drawn image read back from an enlarged canvas (centre of each cell, first channel), in [0, 1].
  function readCanvas(ctx, shape, scale) {
    const [, h, w] = shape;
    const pixels = ctx.getImageData(0, 0, w * scale, h * scale).data;
    const out = [];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const p = 4 * ((i * scale + (scale >> 1)) * w * scale + j * scale + (scale >> 1));
        out.push(pixels[p] / 255);
      }
    }
    return out;
  }

  // [nOut][nIn]: the share of input cell k in output cell i when nIn cells are resampled to nOut (a box filter).
  function areaWeights(nIn, nOut) {
    const span = nIn / nOut;
    const rows = [];
    for (let i = 0; i < nOut; i++) {
      const lo = i * span;
      const hi = (i + 1) * span;
      const row = new Float64Array(nIn);
      for (let k = Math.floor(lo); k < Math.min(nIn, Math.ceil(hi)); k++) {
        row[k] = (Math.min(hi, k + 1) - Math.max(lo, k)) / span;
      }
      rows.push(row);
    }
    return rows;
  }

  // vaelib.explorer.prepare_drawing, operation for operation: the ink's bounding box scaled (area-averaged) so
  // its longer side is `box` pixels, brightest pixel 1, placed in a size x size field with its centre of mass
  // ("mass", MNIST) or its box ("box", Fashion-MNIST) at the centre. raw: n x n grey levels in [0, 1].
  function prepareDrawing(raw, n, prep) {
    const { size, box, centre } = prep;
    const out = new Float64Array(size * size);
    let r0 = n;
    let r1 = -1;
    let c0 = n;
    let c1 = -1;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (raw[i * n + j] > 0) {
          r0 = Math.min(r0, i);
          r1 = Math.max(r1, i);
          c0 = Math.min(c0, j);
          c1 = Math.max(c1, j);
        }
      }
    }
    if (r1 < 0) return out;
    const h = r1 - r0 + 1;
    const w = c1 - c0 + 1;
    const scale = box / Math.max(h, w);
    const th = Math.max(1, Math.floor(h * scale + 0.5));
    const tw = Math.max(1, Math.floor(w * scale + 0.5));
    const wy = areaWeights(h, th);
    const wx = areaWeights(w, tw);
    const rowsDone = []; // wy @ crop: [th][w]
    for (let i = 0; i < th; i++) {
      const row = new Float64Array(w);
      for (let k = 0; k < h; k++) {
        const a = wy[i][k];
        if (a === 0) continue;
        for (let j = 0; j < w; j++) row[j] += a * raw[(r0 + k) * n + c0 + j];
      }
      rowsDone.push(row);
    }
    const small = new Float64Array(th * tw); // (wy @ crop) @ wx^T
    let max = 0;
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j++) {
        let v = 0;
        for (let k = 0; k < w; k++) v += rowsDone[i][k] * wx[j][k];
        small[i * tw + j] = v;
        max = Math.max(max, v);
      }
    }
    for (let i = 0; i < small.length; i++) small[i] /= max;
    let oy;
    let ox;
    if (centre === "mass") {
      let total = 0;
      let sy = 0;
      let sx = 0;
      for (let i = 0; i < th; i++) {
        for (let j = 0; j < tw; j++) {
          const v = small[i * tw + j];
          total += v;
          sy += i * v;
          sx += j * v;
        }
      }
      oy = Math.floor((size - 1) / 2 - sy / total + 0.5);
      ox = Math.floor((size - 1) / 2 - sx / total + 0.5);
    } else {
      oy = Math.floor((size - th) / 2);
      ox = Math.floor((size - tw) / 2);
    }
    oy = Math.min(Math.max(oy, 0), size - th);
    ox = Math.min(Math.max(ox, 0), size - tw);
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j++) out[(oy + i) * size + ox + j] = small[i * tw + j];
    }
    return out;
  }

  // A seeded uniform generator (mulberry32) and standard normals from it (Box-Muller).
  function mulberry32(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function normal(uniform) {
    const u1 = 1 - uniform(); // in (0, 1]: the log is finite
    const u2 = uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  // A tick spacing of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`.
  function tickStep(span, count) {
    const raw = span / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 5]) if (m * power >= raw) return m * power;
    return 10 * power;
  }

  const fmt = (v) => (Math.abs(v) < 0.005 ? "0.00" : v.toFixed(2));
  const pair = (v) => `(${fmt(v[0])}, ${fmt(v[1])})`;

  class Explorer {
    constructor(root) {
      this.root = root;
      const list = root.dataset.manifests || root.dataset.manifest || "";
      this.urls = list.trim().split(/\s+/).filter(Boolean).map((u) => new URL(u, window.location.href).href);
      const labels = (root.dataset.labels || "").split("|").map((s) => s.trim());
      this.labels = this.urls.map((u, i) => labels[i] || u.split("/").pop().replace(/\.json$/, ""));
      this.index = 0;
      this.pending = null;
      this.busy = false;
      this.last = null;
      this.strip = null;
      this.picks = [];
      this.input = null; // what is encoded: {kind: "stroke", raw} or {kind: "pick", pick, source, pixels}
      this.encoded = null;
      this.timings = {};
      this.uniform = mulberry32(SEED);
      this.work = new Set(); // promises idle() waits for
      this.ready = this.init();
      this.ready.catch((error) => {
        root.dataset.state = "error";
        root.textContent = `The latent explorer could not start: ${error.message}`;
        console.error(error);
      });
    }

    time(path, what, t0) {
      const t = (this.timings[path] = this.timings[path] || { load: [], encode: [], decode: [] });
      t[what].push(performance.now() - t0);
    }

    track(promise) {
      this.work.add(promise);
      const done = () => this.work.delete(promise);
      promise.then(done, done);
      return promise;
    }

    async idle() {
      await this.ready;
      for (;;) {
        while (this.busy) await this.drain;
        if (!this.work.size) return;
        await Promise.allSettled([...this.work]);
      }
    }

    async init() {
      const root = this.root;
      if (!this.urls.length) throw new Error("no data-manifests listed");
      root.dataset.state = "loading";
      root.textContent = "Loading the model…";
      this.ort = await loadOrt();
      const model = await this.load(0);
      this.build(model.m);
      await this.show(model);
      root.dataset.state = "ready";
    }

    // The manifest and both sessions of model i (each fetched once per page life).
    async load(i) {
      const url = this.urls[i];
      const t0 = performance.now();
      const m = await manifest(url);
      // a manifest written before the encoder was exported: the decoder half only
      m.test_images = m.test_images || { pixels: [], label: [] };
      const [decoder, encoder] = await Promise.all([
        session(new URL(m.onnx, url).href),
        m.encoder ? session(new URL(m.encoder.onnx, url).href) : null,
      ]);
      const path = new URL(url).pathname;
      this.time(path, "load", t0);
      return { i, url, path, m, decoder, encoder };
    }

    build(m) {
      const [, h, w] = m.image_shape;
      const big = (cls, label) => {
        const c = el("canvas", { class: `vae-explorer__img ${cls}`, width: w * SCALE, height: h * SCALE, "aria-label": label });
        c.getContext("2d", { willReadFrequently: true }); // each drawn image is read back (the test API's records)
        return c;
      };
      const cell = (caption, ...nodes) => el("figure", { class: "vae-explorer__cell" }, ...nodes, el("figcaption", {}, caption));
      this.chooser = el("select", { class: "vae-explorer__select", "aria-label": "model" });
      this.labels.forEach((label, i) => this.chooser.append(el("option", { value: String(i) }, label)));
      this.chooser.addEventListener("change", () => this.select(Number(this.chooser.value)));
      this.title = el("div", { class: "vae-explorer__desc" });
      this.scatter = el("canvas", { class: "vae-explorer__scatter", "aria-label": "latent plane" });
      this.legend = el("div", { class: "vae-explorer__legend" });
      this.zLabel = el("div", { class: "vae-explorer__z" }, "");
      this.hoverCanvas = big("vae-explorer__decode", "decode of the point under the pointer");
      this.pad = el("canvas", { class: "vae-explorer__pad", width: PAD, height: PAD, "aria-label": "drawing pad" });
      this.padCtx = this.pad.getContext("2d", { willReadFrequently: true });
      this.hint = el("span", { class: "vae-explorer__hint" }, "draw here");
      const clear = el("button", { type: "button", class: "vae-explorer__button vae-explorer__clear" }, "Clear");
      clear.addEventListener("click", () => this.clearPad());
      this.prepared = big("vae-explorer__prepared", "encoded input");
      this.recon = big("vae-explorer__recon", "decode of mu");
      this.sampled = big("vae-explorer__sampled", "decode of the sampled z");
      this.sampleButton = el("button", { type: "button", class: "vae-explorer__button vae-explorer__sample" }, "Sample");
      this.sampleButton.addEventListener("click", () => this.sample());
      this.sampleCaption = el("span", {}, "");
      this.readout = el("div", { class: "vae-explorer__z vae-explorer__readout" });
      this.thumbs = el("div", { class: "vae-explorer__thumbs" });
      this.stripCanvas = el("canvas", {
        class: "vae-explorer__strip",
        width: m.strip_steps * w * STRIP_SCALE,
        height: h * STRIP_SCALE,
      });
      this.stripCanvas.hidden = true;
      this.stripLabel = el("div", { class: "vae-explorer__z" });
      this.root.replaceChildren(
        el("div", { class: "vae-explorer__head" }, el("label", {}, el("span", {}, "Model"), this.chooser), this.title),
        el(
          "div",
          { class: "vae-explorer__row" },
          el(
            "div",
            { class: "vae-explorer__plane" },
            this.scatter,
            this.legend,
            el(
              "div",
              { class: "vae-explorer__hover" },
              this.hoverCanvas,
              el("div", {}, el("div", { class: "vae-explorer__caption" }, "decode of the point under the pointer"), this.zLabel),
            ),
          ),
          el(
            "div",
            { class: "vae-explorer__side" },
            cell(el("span", {}, "your drawing ", clear), el("div", { class: "vae-explorer__padwrap" }, this.pad, this.hint)),
            cell("the 28 × 28 input encoded", this.prepared),
            cell("decode of μ (the reconstruction)", this.recon),
            cell(this.sampleCaption, this.sampled),
            el("div", { class: "vae-explorer__readout-row" }, this.sampleButton, this.readout),
          ),
        ),
        el("div", { class: "vae-explorer__pick" }, el("div", { class: "vae-explorer__caption" }, "Test images: click one to encode it."), this.thumbs),
        this.stripCanvas,
        this.stripLabel,
      );
      this.scatter.addEventListener("pointermove", (e) => this.hover(this.zAtEvent(e)));
      this.scatter.addEventListener("click", (e) => this.clickPoint(this.zAtEvent(e)));
      this.pad.addEventListener("pointerdown", (e) => this.penDown(e));
      this.pad.addEventListener("pointermove", (e) => this.penMove(e));
      for (const type of ["pointerup", "pointercancel"]) this.pad.addEventListener(type, (e) => this.penUp(e));
      new ResizeObserver(() => {
        this.base = null;
        this.drawPlane();
      }).observe(this.scatter);
    }

    // Shows model `model`: its plane, legend and test images, then encodes the current input with it (the first
    // test image at the start) and decodes the origin under the hover panel, so no canvas starts black.
    async show(model) {
      const m = model.m;
      this.model = model;
      this.index = model.i;
      this.chooser.value = String(model.i);
      this.picks = [];
      this.strip = null;
      this.stripCanvas.hidden = true;
      this.stripLabel.textContent = "Click two points of the plane to interpolate between them.";
      this.base = null;
      // The manifest's title names the data set by its folder name ("fashion-mnist: ..."): the page says it in words.
      const named = m.title.replace(/^fashion-mnist\b/, "Fashion-MNIST").replace(/^mnist\b/, "MNIST");
      const kind = m.deterministic ? " (a deterministic autoencoder: a point, no ellipse)" : /\bVAE\b/.test(m.title) ? "" : " (a VAE)";
      this.title.textContent = `${named}${kind}`; // the run folder (m.run) stays in the manifest, not in the text
      this.sampleButton.textContent = m.deterministic ? "Sample the prior" : "Sample z ~ q(z|x)";
      this.sampleCaption.textContent = m.deterministic ? "decode of z = ε ~ N(0, I)" : "decode of z = μ + σ ⊙ ε";
      this.legend.replaceChildren();
      const present = new Set(m.points.label);
      m.class_names.forEach((name, c) => {
        if (!present.has(c)) return;
        this.legend.append(el("span", {}, el("i", { style: `background:${PALETTE[c % PALETTE.length]}` }), name));
      });
      this.buildThumbs(m);
      this.encoded = null; // the posterior drawn is the new model's, once it has encoded the input
      this.drawPlane();
      this.hover([0, 0]);
      if (!m.encoder) {
        this.readout.textContent = "This model was exported without its encoder.";
        return;
      }
      if (!this.input && m.test_images.pixels.length) this.input = this.pickInput(model, 0);
      if (this.input) await this.encode();
    }

    buildThumbs(m) {
      const [, h, w] = m.image_shape;
      this.thumbs.replaceChildren();
      m.test_images.pixels.forEach((pixels, i) => {
        const c = el("canvas", { width: w * THUMB_SCALE, height: h * THUMB_SCALE });
        drawImage(c.getContext("2d"), pixels.map((v) => v / 255), 0, m.image_shape, 0, 0, THUMB_SCALE);
        const label = m.test_images.label[i];
        const name = label >= 0 ? m.class_names[label] : "test image";
        const button = el("button", { type: "button", class: "vae-explorer__thumb", title: name, "aria-label": name }, c);
        button.addEventListener("click", () => this.pickImage(i));
        this.thumbs.append(button);
      });
    }

    select(i) {
      this.wanted = i;
      return this.track(
        (async () => {
          this.chooser.disabled = true;
          try {
            const model = await this.load(i);
            if (this.wanted === i) await this.show(model); // a later choice wins
          } catch (error) {
            this.readout.textContent = `Could not load ${this.labels[i]}: ${error.message}`;
            console.error(error);
          } finally {
            this.chooser.disabled = false;
          }
        })(),
      );
    }

    // ---- the latent plane ----

    size() {
      return this.scatter.getBoundingClientRect().width;
    }

    zAtEvent(e) {
      const r = this.scatter.getBoundingClientRect();
      const [[x0, x1], [y0, y1]] = this.model.m.extent;
      const u = (e.clientX - r.left) / r.width;
      const v = (e.clientY - r.top) / r.height;
      return [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
    }

    clientAt(z) {
      const r = this.scatter.getBoundingClientRect();
      const [[x0, x1], [y0, y1]] = this.model.m.extent;
      return { x: r.left + ((z[0] - x0) / (x1 - x0)) * r.width, y: r.top + ((y1 - z[1]) / (y1 - y0)) * r.height };
    }

    // Latent units per CSS pixel of the scatter (the resolution of pointer positions).
    pixel() {
      const [[x0, x1]] = this.model.m.extent;
      return (x1 - x0) / this.size();
    }

    // The static layer (axes, ticks, the prior's circles, the test codes), drawn once per model and size.
    drawBase(css, dpr) {
      const base = document.createElement("canvas");
      base.width = Math.round(css * dpr);
      base.height = Math.round(css * dpr);
      const ctx = base.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const m = this.model.m;
      const [[x0, x1], [y0, y1]] = m.extent;
      const X = (v) => ((v - x0) / (x1 - x0)) * css;
      const Y = (v) => ((y1 - v) / (y1 - y0)) * css;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, css, css);
      const step = tickStep(x1 - x0, 8);
      ctx.font = "10px sans-serif";
      ctx.lineWidth = 1;
      for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) {
        ctx.strokeStyle = Math.abs(t) < step / 2 ? "#888" : "#eee";
        ctx.beginPath();
        ctx.moveTo(X(t), 0);
        ctx.lineTo(X(t), css);
        ctx.stroke();
      }
      for (let t = Math.ceil(y0 / step) * step; t <= y1; t += step) {
        ctx.strokeStyle = Math.abs(t) < step / 2 ? "#888" : "#eee";
        ctx.beginPath();
        ctx.moveTo(0, Y(t));
        ctx.lineTo(css, Y(t));
        ctx.stroke();
      }
      ctx.globalAlpha = 0.55;
      const { z, label } = m.points;
      for (let i = 0; i < z.length; i++) {
        ctx.fillStyle = PALETTE[label[i] % PALETTE.length];
        ctx.fillRect(X(z[i][0]) - 1, Y(z[i][1]) - 1, 2, 2);
      }
      ctx.globalAlpha = 1;
      // the prior N(0, I): its 1 and 2 sigma circles
      ctx.strokeStyle = "#555";
      ctx.setLineDash([4, 3]);
      for (const r of [1, 2]) {
        ctx.beginPath();
        ctx.ellipse(X(0), Y(0), X(r) - X(0), Y(0) - Y(r), 0, 0, 2 * Math.PI);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      // tick labels along the bottom and left edges
      ctx.fillStyle = "#555";
      ctx.textAlign = "center";
      for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) {
        if (X(t) > 12 && X(t) < css - 12) ctx.fillText(String(+t.toFixed(6)), X(t), css - 4);
      }
      ctx.textAlign = "left";
      for (let t = Math.ceil(y0 / step) * step; t <= y1; t += step) {
        if (Y(t) > 12 && Y(t) < css - 16) ctx.fillText(String(+t.toFixed(6)), 3, Y(t) + 3);
      }
      ctx.fillText("z₁ →", css - 30, Y(0) - 4);
      ctx.fillText("↑ z₂", X(0) + 4, 11);
      ctx.strokeStyle = "#999";
      ctx.strokeRect(0.5, 0.5, css - 1, css - 1);
      return base;
    }

    drawPlane() {
      const canvas = this.scatter;
      const css = this.size();
      if (!css || !this.model) return;
      const dpr = window.devicePixelRatio || 1;
      if (!this.base) this.base = this.drawBase(css, dpr);
      canvas.width = this.base.width;
      canvas.height = this.base.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(this.base, 0, 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const [[x0, x1], [y0, y1]] = this.model.m.extent;
      const X = (v) => ((v - x0) / (x1 - x0)) * css;
      const Y = (v) => ((y1 - v) / (y1 - y0)) * css;
      const enc = this.encoded;
      if (enc) {
        ctx.strokeStyle = "#000";
        const [mx, my] = enc.mu;
        if (enc.logvar) {
          // q(z|x) = N(mu, diag(sigma^2)): axis-aligned 1 and 2 sigma ellipses
          const s = enc.logvar.map((v) => Math.exp(v / 2));
          for (const [k, dash] of [[1, []], [2, [5, 3]]]) {
            ctx.lineWidth = 1.5;
            ctx.setLineDash(dash);
            ctx.beginPath();
            ctx.ellipse(X(mx), Y(my), Math.max(0.5, X(k * s[0]) - X(0)), Math.max(0.5, Y(0) - Y(k * s[1])), 0, 0, 2 * Math.PI);
            ctx.stroke();
          }
          ctx.setLineDash([]);
        }
        ctx.lineWidth = 1.5;
        enc.cloud = 0; // the crosses drawn: the check compares them with the samples taken
        for (const [i, smp] of enc.samples.entries()) {
          const [x, y] = [X(smp.z[0]), Y(smp.z[1])];
          const r = i === enc.samples.length - 1 ? 4 : 2.5;
          ctx.beginPath();
          ctx.moveTo(x - r, y - r);
          ctx.lineTo(x + r, y + r);
          ctx.moveTo(x + r, y - r);
          ctx.lineTo(x - r, y + r);
          ctx.stroke();
          enc.cloud += 1;
        }
        ctx.fillStyle = "#000";
        ctx.beginPath();
        ctx.arc(X(mx), Y(my), 3, 0, 2 * Math.PI);
        ctx.fill();
        ctx.strokeStyle = "#fff";
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      for (const p of this.picks) {
        ctx.beginPath();
        ctx.arc(X(p[0]), Y(p[1]), 5, 0, 2 * Math.PI);
        ctx.stroke();
      }
      if (this.picks.length === 2) {
        const [a, b] = this.picks;
        ctx.beginPath();
        ctx.moveTo(X(a[0]), Y(a[1]));
        ctx.lineTo(X(b[0]), Y(b[1]));
        ctx.stroke();
      }
    }

    // ---- running the graphs (serialized across every explorer) ----

    decode(zs, model = this.model) {
      return runExclusive(async () => {
        const m = model.m;
        const input = new this.ort.Tensor("float32", new Float32Array(zs.flat()), [zs.length, m.latent_dim]);
        const t0 = performance.now();
        const out = await model.decoder.run({ [m.input]: input });
        if (zs.length === 1) this.time(model.path, "decode", t0);
        return out[m.output].data;
      });
    }

    encodeImage(x, model) {
      return runExclusive(async () => {
        const m = model.m;
        const input = new this.ort.Tensor("float32", new Float32Array(x), [1, ...m.image_shape]);
        const t0 = performance.now();
        const out = await model.encoder.run({ [m.encoder.input]: input });
        this.time(model.path, "encode", t0);
        return {
          mu: Array.from(out[m.encoder.outputs[0]].data),
          logvar: m.deterministic ? null : Array.from(out[m.encoder.outputs[1]].data),
        };
      });
    }

    // ---- hover and interpolation ----

    // Hover: always decode the latest position; positions that arrive while a decode runs collapse into one.
    hover(z) {
      this.pending = z;
      if (this.busy) return;
      this.busy = true;
      this.drain = (async () => {
        try {
          while (this.pending) {
            const target = this.pending;
            this.pending = null;
            const data = await this.decode([target]);
            this.showHover(target, data);
          }
        } finally {
          this.busy = false;
        }
      })();
    }

    showHover(z, data) {
      const ctx = this.hoverCanvas.getContext("2d");
      drawImage(ctx, data, 0, this.model.m.image_shape, 0, 0, SCALE);
      this.zLabel.textContent = `z = ${pair(z)}`;
      this.last = { z, output: Array.from(data), canvas: readCanvas(ctx, this.model.m.image_shape, SCALE) };
    }

    clickPoint(z) {
      return this.track(this.drawStrip(z));
    }

    async drawStrip(z) {
      this.picks = this.picks.length >= 2 ? [z] : [...this.picks, z];
      this.drawPlane();
      if (this.picks.length < 2) {
        this.stripLabel.textContent = "Now click a second point.";
        return;
      }
      const [a, b] = this.picks;
      const m = this.model.m;
      const n = m.strip_steps;
      const zs = [];
      for (let i = 0; i < n; i++) {
        const t = i / (n - 1);
        zs.push([(1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]]);
      }
      const data = await this.decode(zs);
      const [c, h, w] = m.image_shape;
      this.stripCanvas.hidden = false;
      const ctx = this.stripCanvas.getContext("2d");
      const per = c * h * w;
      const images = [];
      for (let i = 0; i < n; i++) {
        drawImage(ctx, data, i * per, m.image_shape, i * w * STRIP_SCALE, 0, STRIP_SCALE);
        images.push(Array.from(data.subarray(i * per, (i + 1) * per)));
      }
      this.strip = { za: a, zb: b, images };
      this.stripLabel.textContent =
        `Linear interpolation from ${pair(a)} to ${pair(b)}, ${n} steps. Click again to start a new pair.`;
    }

    // ---- the input: a drawing or a test image ----

    padXY(e) {
      const r = this.pad.getBoundingClientRect();
      return [((e.clientX - r.left) / r.width) * PAD, ((e.clientY - r.top) / r.height) * PAD];
    }

    padClientAt(u, v) {
      const r = this.pad.getBoundingClientRect();
      return { x: r.left + u * r.width, y: r.top + v * r.height };
    }

    penDown(e) {
      e.preventDefault();
      this.pad.setPointerCapture(e.pointerId);
      this.pen = this.padXY(e);
      const ctx = this.padCtx;
      ctx.fillStyle = "#fff";
      ctx.beginPath();
      ctx.arc(this.pen[0], this.pen[1], PEN / 2, 0, 2 * Math.PI);
      ctx.fill();
      this.strokeChanged();
    }

    penMove(e) {
      if (!this.pen) return;
      const ctx = this.padCtx;
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = PEN;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      // every position the pointer reported since the last event, for a smooth stroke under a fast hand
      const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      for (const ev of events.length ? events : [e]) {
        const p = this.padXY(ev);
        ctx.beginPath();
        ctx.moveTo(this.pen[0], this.pen[1]);
        ctx.lineTo(p[0], p[1]);
        ctx.stroke();
        this.pen = p;
      }
      this.strokeChanged();
    }

    penUp() {
      this.pen = null;
    }

    clearPad() {
      this.padCtx.clearRect(0, 0, PAD, PAD);
      this.hint.hidden = false;
    }

    // The pad's alpha channel (the white ink's coverage), 0..255, row-major PAD x PAD: the raw drawing.
    strokeChanged() {
      this.hint.hidden = true;
      const rgba = this.padCtx.getImageData(0, 0, PAD, PAD).data;
      const raw = new Uint8Array(PAD * PAD);
      for (let i = 0; i < raw.length; i++) raw[i] = rgba[4 * i + 3];
      this.setInput({ kind: "stroke", raw });
    }

    pickInput(model, i) {
      return { kind: "pick", pick: i, source: model.path, pixels: model.m.test_images.pixels[i] };
    }

    pickImage(i) {
      this.clearPad(); // the pad shows what is encoded, or nothing
      return this.setInput(this.pickInput(this.model, i));
    }

    setInput(input) {
      this.input = input;
      return this.track(this.encode());
    }

    // Encodes the current input with the current model; inputs that arrive meanwhile collapse into the latest.
    encode() {
      if (this.encoding) {
        this.encodeAgain = true;
        return this.encoding;
      }
      this.encoding = (async () => {
        try {
          do {
            this.encodeAgain = false;
            await this.encodeOnce(this.input, this.model);
          } while (this.encodeAgain);
        } finally {
          this.encoding = null;
        }
      })();
      return this.encoding;
    }

    async encodeOnce(input, model) {
      const m = model.m;
      if (!input || !m.encoder) return;
      let prepared;
      if (input.kind === "stroke") {
        const grey = Float64Array.from(input.raw, (v) => v / 255);
        prepared = prepareDrawing(grey, PAD, m.preparation);
      } else {
        prepared = Float64Array.from(input.pixels, (v) => v / 255);
      }
      const { mu, logvar } = await this.encodeImage(prepared, model);
      const decodeMu = await this.decode([mu], model);
      if (this.model !== model || this.input !== input) {
        if (this.model !== model) return; // a model switch encodes the input again
        this.encodeAgain = true;
        return;
      }
      const shape = m.image_shape;
      drawImage(this.prepared.getContext("2d"), prepared, 0, shape, 0, 0, SCALE);
      const rctx = this.recon.getContext("2d");
      drawImage(rctx, decodeMu, 0, shape, 0, 0, SCALE);
      // before any sample: the sample panel shows the decode of mu (eps = 0), not a black square
      drawImage(this.sampled.getContext("2d"), decodeMu, 0, shape, 0, 0, SCALE);
      this.encoded = {
        manifest: model.path,
        kind: input.kind,
        pick: input.kind === "pick" ? input.pick : null,
        source: input.kind === "pick" ? input.source : null,
        pad: input.kind === "stroke" ? PAD : null,
        raw: input.kind === "stroke" ? Array.from(input.raw) : null,
        prepared: Array.from(prepared),
        mu,
        logvar,
        decodeMu: Array.from(decodeMu),
        canvasMu: readCanvas(rctx, shape, SCALE),
        samples: [],
        cloud: 0,
      };
      for (const b of this.thumbs.children) b.classList.remove("vae-explorer__thumb--on");
      if (input.kind === "pick" && input.source === model.path) {
        this.thumbs.children[input.pick].classList.add("vae-explorer__thumb--on");
      }
      this.showReadout();
      this.drawPlane();
    }

    showReadout() {
      const enc = this.encoded;
      const m = this.model.m;
      const lines = [];
      if (m.deterministic) {
        lines.push(`code z = ${pair(enc.mu)}: a point; this autoencoder has no σ, so no ellipse.`);
      } else {
        const s = enc.logvar.map((v) => Math.exp(v / 2));
        lines.push(`μ = ${pair(enc.mu)}, σ = ${pair(s)} (ellipses: 1σ and 2σ)`);
      }
      const last = enc.samples[enc.samples.length - 1];
      if (last) {
        const what = m.deterministic ? "z = ε" : "z = μ + σ ⊙ ε";
        lines.push(`sample ${enc.samples.length}: ε = ${pair(last.eps)}, ${what} = ${pair(last.z)}`);
      } else {
        lines.push(
          m.deterministic
            ? "Sample the prior: z ~ N(0, I), what this autoencoder's 'prior samples' decode to."
            : "Sample: draws ε ~ N(0, I) and decodes z = μ + σ ⊙ ε.",
        );
      }
      this.readout.replaceChildren(...lines.map((t) => el("div", {}, t)));
    }

    // ---- the reparameterization ----

    sample() {
      const step = async () => {
        const enc = this.encoded;
        const model = this.model;
        if (!enc) return;
        const eps = [normal(this.uniform), normal(this.uniform)];
        const z = model.m.deterministic
          ? eps.slice()
          : enc.mu.map((mu, k) => mu + Math.exp(enc.logvar[k] / 2) * eps[k]);
        const data = await this.decode([z], model);
        if (this.encoded !== enc) return; // a new input meanwhile: its cloud starts empty
        const ctx = this.sampled.getContext("2d");
        drawImage(ctx, data, 0, model.m.image_shape, 0, 0, SCALE);
        enc.samples.push({ eps, z, decodeZ: Array.from(data), canvasZ: readCanvas(ctx, model.m.image_shape, SCALE) });
        this.showReadout();
        this.drawPlane();
      };
      // presses queue up in order: each sample is drawn before the next
      this.sampling = (this.sampling || Promise.resolve()).then(step, step);
      return this.track(this.sampling);
    }
  }

  function mount() {
    for (const root of document.querySelectorAll(".vae-explorer[data-manifests], .vae-explorer[data-manifest]")) {
      if (!root.vaeExplorer) root.vaeExplorer = new Explorer(root);
    }
  }

  // eslint-disable-next-line no-undef
  if (typeof document$ !== "undefined" && typeof document$.subscribe === "function") {
    // eslint-disable-next-line no-undef
    document$.subscribe(mount);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
