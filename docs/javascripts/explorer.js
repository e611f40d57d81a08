// Latent explorer: every <div class="vae-explorer" data-manifest="URL"> on a page becomes a test-set latent
// scatter whose point under the pointer is decoded live by the exported ONNX decoder (onnxruntime-web, vendored
// under javascripts/vendor/onnxruntime-web/ by `make site`; nothing is fetched from another host). Clicking two
// points draws the interpolation strip between them.
//
// Material's instant navigation swaps page content without reloading scripts: `document$` emits after every
// swap, and each new explorer element is mounted then. onnxruntime and the decoder sessions are loaded once and
// reused across pages.
//
// Tests read `element.vaeExplorer`: `ready` (a promise), `clientAt(z)` (viewport coordinates of a latent point),
// `idle()` (resolves when no decode is pending), `pixel()` (latent units per CSS pixel), `last` ({z, output,
// canvas}: the latest hover decode, as model output and as read back from the drawn canvas) and `strip`
// ({za, zb, images}).
(function () {
  "use strict";

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : window.location.href;
  const ORT_DIR = new URL("vendor/onnxruntime-web/", SCRIPT_URL).href;
  // matplotlib's tab10, the colours of the report's other latent scatters
  const PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ];
  const SCALE = 8; // screen pixels per image pixel in the enlarged decode
  const STRIP_SCALE = 3;

  let ortPromise = null;
  const sessions = new Map(); // ONNX URL -> Promise<InferenceSession>
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

  function session(url) {
    if (!sessions.has(url)) {
      const created = loadOrt().then((ort) => ort.InferenceSession.create(url, { executionProviders: ["wasm"] }));
      created.catch(() => sessions.delete(url));
      sessions.set(url, created);
    }
    return sessions.get(url);
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

  class Explorer {
    constructor(root) {
      this.root = root;
      this.pending = null;
      this.busy = false;
      this.last = null;
      this.strip = null;
      this.picks = [];
      this.ready = this.init();
      this.ready.catch((error) => {
        root.dataset.state = "error";
        root.textContent = `The latent explorer could not start: ${error.message}`;
        console.error(error);
      });
    }

    async init() {
      const root = this.root;
      root.dataset.state = "loading";
      root.textContent = "Loading the decoder…";
      const manifestUrl = new URL(root.dataset.manifest, window.location.href).href;
      const response = await fetch(manifestUrl);
      if (!response.ok) throw new Error(`${manifestUrl}: HTTP ${response.status}`);
      const m = await response.json();
      this.m = m;
      this.ort = await loadOrt();
      this.session = await session(new URL(m.onnx, manifestUrl).href);
      this.build();
      this.drawScatter();
      root.dataset.state = "ready";
    }

    build() {
      const m = this.m;
      const [, h, w] = m.image_shape;
      this.scatter = el("canvas", { class: "vae-explorer__scatter", "aria-label": `latent plane of ${m.title}` });
      this.big = el("canvas", { class: "vae-explorer__decode", width: w * SCALE, height: h * SCALE });
      this.zLabel = el("div", { class: "vae-explorer__z" }, "Move the pointer over the plane.");
      this.stripCanvas = el("canvas", {
        class: "vae-explorer__strip",
        width: m.strip_steps * w * STRIP_SCALE,
        height: h * STRIP_SCALE,
      });
      this.stripLabel = el("div", { class: "vae-explorer__z" }, "Click two points to interpolate between them.");
      const legend = el("div", { class: "vae-explorer__legend" });
      m.class_names.forEach((name, i) => {
        legend.append(el("span", {}, el("i", { style: `background:${PALETTE[i % PALETTE.length]}` }), name));
      });
      const side = el("div", { class: "vae-explorer__side" }, this.big, this.zLabel);
      this.root.replaceChildren(
        el("div", { class: "vae-explorer__title" }, m.title),
        el("div", { class: "vae-explorer__row" }, el("div", {}, this.scatter, legend), side),
        this.stripCanvas,
        this.stripLabel,
      );
      this.scatter.addEventListener("pointermove", (e) => this.hover(this.zAtEvent(e)));
      this.scatter.addEventListener("click", (e) => this.pick(this.zAtEvent(e)));
      new ResizeObserver(() => this.drawScatter()).observe(this.scatter);
    }

    // Plot geometry: the canvas is square; extent [[x0, x1], [y0, y1]] maps to it, y up.
    size() {
      return this.scatter.getBoundingClientRect().width;
    }

    zAtEvent(e) {
      const r = this.scatter.getBoundingClientRect();
      const [[x0, x1], [y0, y1]] = this.m.extent;
      const u = (e.clientX - r.left) / r.width;
      const v = (e.clientY - r.top) / r.height;
      return [x0 + u * (x1 - x0), y1 - v * (y1 - y0)];
    }

    clientAt(z) {
      const r = this.scatter.getBoundingClientRect();
      const [[x0, x1], [y0, y1]] = this.m.extent;
      return { x: r.left + ((z[0] - x0) / (x1 - x0)) * r.width, y: r.top + ((y1 - z[1]) / (y1 - y0)) * r.height };
    }

    drawScatter() {
      const canvas = this.scatter;
      const css = this.size();
      if (!css) return;
      const dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(css * dpr);
      canvas.height = Math.round(css * dpr);
      const ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, css, css);
      const [[x0, x1], [y0, y1]] = this.m.extent;
      const { z, label } = this.m.points;
      ctx.globalAlpha = 0.55;
      for (let i = 0; i < z.length; i++) {
        ctx.fillStyle = PALETTE[label[i] % PALETTE.length];
        ctx.fillRect(((z[i][0] - x0) / (x1 - x0)) * css - 1, ((y1 - z[i][1]) / (y1 - y0)) * css - 1, 2, 2);
      }
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#999";
      ctx.strokeRect(0.5, 0.5, css - 1, css - 1);
      ctx.fillStyle = "#555";
      ctx.font = "11px sans-serif";
      ctx.fillText(`z1 ∈ [${x0.toFixed(1)}, ${x1.toFixed(1)}], z2 ∈ [${y0.toFixed(1)}, ${y1.toFixed(1)}]`, 6, css - 6);
      for (const p of this.picks) {
        const x = ((p[0] - x0) / (x1 - x0)) * css;
        const y = ((y1 - p[1]) / (y1 - y0)) * css;
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, 5, 0, 2 * Math.PI);
        ctx.stroke();
      }
      if (this.picks.length === 2) {
        const [a, b] = this.picks;
        ctx.beginPath();
        ctx.moveTo(((a[0] - x0) / (x1 - x0)) * css, ((y1 - a[1]) / (y1 - y0)) * css);
        ctx.lineTo(((b[0] - x0) / (x1 - x0)) * css, ((y1 - b[1]) / (y1 - y0)) * css);
        ctx.stroke();
      }
    }

    // Decodes a list of latent points in one batch (runs are serialized across every explorer).
    decode(zs) {
      return runExclusive(async () => {
        const flat = new Float32Array(zs.flat());
        const input = new this.ort.Tensor("float32", flat, [zs.length, this.m.latent_dim]);
        const out = await this.session.run({ [this.m.input]: input });
        return out[this.m.output].data;
      });
    }

    // Latent units per CSS pixel of the scatter (the resolution of pointer positions).
    pixel() {
      const [[x0, x1]] = this.m.extent;
      return (x1 - x0) / this.size();
    }

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
            this.show(target, data);
          }
        } finally {
          this.busy = false;
        }
      })();
    }

    show(z, data) {
      const ctx = this.big.getContext("2d");
      drawImage(ctx, data, 0, this.m.image_shape, 0, 0, SCALE);
      this.zLabel.textContent = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
      this.last = { z, output: Array.from(data), canvas: this.readCanvas(ctx) };
    }

    // The drawn image read back from the enlarged canvas (centre of each cell, first channel), in [0, 1].
    readCanvas(ctx) {
      const [, h, w] = this.m.image_shape;
      const pixels = ctx.getImageData(0, 0, w * SCALE, h * SCALE).data;
      const out = [];
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const p = 4 * ((i * SCALE + (SCALE >> 1)) * w * SCALE + j * SCALE + (SCALE >> 1));
          out.push(pixels[p] / 255);
        }
      }
      return out;
    }

    pick(z) {
      this.stripBusy = this.drawStrip(z); // idle() waits for the whole step, drawing included
      return this.stripBusy;
    }

    async drawStrip(z) {
      this.picks = this.picks.length >= 2 ? [z] : [...this.picks, z];
      this.drawScatter();
      if (this.picks.length < 2) {
        this.stripLabel.textContent = "Now click a second point.";
        return;
      }
      const [a, b] = this.picks;
      const n = this.m.strip_steps;
      const zs = [];
      for (let i = 0; i < n; i++) {
        const t = i / (n - 1);
        zs.push([(1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]]);
      }
      const data = await this.decode(zs);
      const [c, h, w] = this.m.image_shape;
      const ctx = this.stripCanvas.getContext("2d");
      const per = c * h * w;
      const images = [];
      for (let i = 0; i < n; i++) {
        drawImage(ctx, data, i * per, this.m.image_shape, i * w * STRIP_SCALE, 0, STRIP_SCALE);
        images.push(Array.from(data.subarray(i * per, (i + 1) * per)));
      }
      this.strip = { za: a, zb: b, images };
      this.stripLabel.textContent =
        `Linear interpolation from (${a[0].toFixed(2)}, ${a[1].toFixed(2)}) to (${b[0].toFixed(2)}, ${b[1].toFixed(2)}), ` +
        `${n} steps. Click again to start a new pair.`;
    }

    async idle() {
      await this.ready;
      while (this.busy) await this.drain;
      if (this.stripBusy) await this.stripBusy;
    }
  }

  function mount() {
    for (const root of document.querySelectorAll(".vae-explorer[data-manifest]")) {
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
