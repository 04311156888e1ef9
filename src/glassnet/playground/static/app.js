// glassnet playground: the page. It sends what the user does over one WebSocket and draws the
// frames the server streams; the training and every number shown are glassnet's (Python).
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const token = params.get("token") || "";
const stats = { frames: 0, drawTimes: [], drawMs: [], clicks: [], errors: [] };  // read by tests
window.glassnetStats = stats;

const LRS = ["0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"];
const L2S = ["0", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1"];
const NAMES = { sigmoid: "sigmoid", tanh: "tanh", relu: "ReLU", leaky_relu: "leaky ReLU",
  identity: "identity", squared_error: "squared error (t − y)²",
  half_squared_error: "½(t − y)²", mse: "mean squared error",
  binary_cross_entropy: "binary cross-entropy", cross_entropy: "softmax cross-entropy",
  auto: "auto (He / Xavier)", he: "He", xavier: "Xavier", glorot: "Glorot", uniform: "uniform",
  zeros: "zeros", sgd: "SGD", momentum: "momentum", adam: "Adam", stochastic: "stochastic (1)",
  "mini-batch": "mini-batch of n", batch: "full batch" };

const ICONS = {
  play: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 4l13 8-13 8z"/></svg>',
  pause: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 4h4v16H6zM14 4h4v16h-4z"/></svg>',
};

let ws = null;
let session = null;     // {id, choices, limits}
let settings = null;    // the server's settings, as values
let data = null;        // the points
let frame = null;       // the latest frame
let drawPending = false;
let selection = null;   // {kind: "unit"|"weight", layer, unit|row, col}
let pendingClick = null;
let chosen = { split: "train", index: 0 };  // the data point the glass box shows

// ---------------------------------------------------------------- the connection

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
  ws.onopen = () => {
    const query = {};
    for (const [k, v] of params) if (k !== "token" && k !== "weights") query[k] = v;
    send({ type: "hello", settings: query, weights: params.get("weights") || undefined });
  };
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = () => showMessage("The connection to the playground closed. Reload the page to start again.");
}

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

const HANDLERS = {
  session(m) { session = m; fillChoices(m.choices); setDownloads(); },
  state(m) {
    const example = settings ? settings.example : "";
    settings = m.settings;
    $("message").hidden = true;  // the settings were applied: an older complaint no longer holds
    showSettings(m.example);
    writeURL(m.query);
    if (m.settings.example && m.settings.example !== example) send({ type: "select", split: "train", index: 0 });
  },
  data(m) {
    data = m;
    selection = null;
    chosen = { split: "train", index: 0 };
    scheduleDraw();
  },
  frame(m) {
    const shape = m.network.sizes.join("-") + m.example;
    if (frame && shape !== frame.network.sizes.join("-") + frame.example) forget();
    else if (selection && pendingClick === null && !m.playing) refresh();
    frame = m;
    scheduleDraw();
  },
  unit(m) { showInspector(m.lines, m); answered(); },
  weight(m) { showInspector(m.lines, m); answered(); },
  trace(m) {
    $("trace").textContent = m.text;
    chosen = { split: m.split, index: m.index };
    scheduleDraw();
    clickAnswered();
  },
  weights(m) { showLink({ weights: m.text }); },
  error(m) { stats.errors.push(m.message); showMessage(m.message); clickAnswered(); },
};

// The numbers shown are those of the network when it stops: asked again after a Step, a Pause,
// a typed weight (not while playing, where a click would wait behind them); forgotten when the
// network's shape changes. The answers come in order: the first `refreshing` are these.
let refreshing = 0;
function refresh() {
  refreshing += 1;
  const s = selection;
  if (s.kind === "unit") send({ type: "unit", layer: s.layer, unit: s.unit });
  else send({ type: "weight", layer: s.layer, row: s.row, col: s.col });
}

const inspectorHint = $("inspector").firstElementChild.cloneNode(true);  // the page's own hint
function forget() {
  selection = null;
  $("inspector").replaceChildren(inspectorHint.cloneNode(true));
  $("edit").hidden = true;
  $("trace").textContent = "";
}

function receive(m) {
  const handler = HANDLERS[m.type];
  if (handler) handler(m);
}

function answered() {
  if (refreshing > 0) refreshing -= 1;
  else clickAnswered();
}

function clickAnswered() {
  if (pendingClick !== null) {
    const t0 = pendingClick;
    pendingClick = null;
    requestAnimationFrame(() => stats.clicks.push(performance.now() - t0));
  }
}

// ---------------------------------------------------------------- controls

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  select.appendChild(o);
}

function fillChoices(c) {
  for (const [name, label] of Object.entries(c.data)) option($("data"), name, label);
  for (const [id, list] of [["act", c.act], ["cost", c.cost], ["init", c.init], ["opt", c.opt],
                            ["gd-form", c.gd]]) {
    for (const v of list) option($(id), v, NAMES[v] || v);
  }
  for (const v of LRS) option($("lr"), v, v);
  for (const v of L2S) option($("l2"), v, v === "0" ? "none" : v);
  for (const [name, text] of Object.entries(c.examples)) option($("example"), name, `${name}: ${text}`);
}

function showSettings(example) {
  const s = settings;
  document.body.classList.toggle("example-mode", Boolean(example));
  $("example-note").textContent = example ||
    "Load one, press Step once, and compare the trace with your hand derivation.";
  $("data").value = s.data;
  for (const id of ["classes", "noise", "train", "points", "act", "cost", "init", "opt", "batch", "seed"]) {
    $(id).value = s[id];
  }
  $("gd-form").value = s.gd;
  setClosest($("lr"), s.lr);
  setClosest($("l2"), s.l2);
  $("example").value = s.example;
  $("noise-value").textContent = s.noise.toFixed(2);
  $("train-value").textContent = `${s.train} %`;
  $("classes-row").hidden = s.data !== "blobs";
  $("batch-row").hidden = s.gd !== "mini-batch";
  const speeds = session ? session.choices.speed : [1];
  $("speed").value = Math.max(0, speeds.indexOf(s.speed));
  $("speed-value").textContent = s.speed;
  for (const panel of session ? session.choices.panels : []) {
    $(`panel-${panel}`).hidden = s.hide.includes(panel);
  }
}

function setClosest(select, value) {
  let best = select.options[0];
  for (const o of select.options) {
    if (Math.abs(Math.log((+o.value || 1e-9) / (value || 1e-9))) <
        Math.abs(Math.log((+best.value || 1e-9) / (value || 1e-9)))) best = o;
  }
  if (![...select.options].some((o) => +o.value === value)) option(select, String(value), String(value));
  select.value = [...select.options].find((o) => +o.value === value).value;
}

// The settings as the URL's parameters, from the controls (a change clears the example).
function queryFromControls(changes) {
  const q = {
    data: $("data").value, classes: $("classes").value, noise: $("noise").value,
    train: $("train").value, points: $("points").value, act: $("act").value,
    cost: $("cost").value, init: $("init").value, opt: $("opt").value, lr: $("lr").value,
    gd: $("gd-form").value, batch: $("batch").value, l2: $("l2").value, seed: $("seed").value,
    hidden: settings.hidden.join(","), dataseed: settings.dataseed, speed: settings.speed,
    hide: settings.hide.join(","), example: "",
  };
  return Object.assign(q, changes || {});
}

function configure(changes) {
  send({ type: "configure", settings: queryFromControls(changes) });
}

function writeURL(query) {
  const q = new URLSearchParams();
  if (token) q.set("token", token);
  for (const [k, v] of Object.entries(query)) q.set(k, v);
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

function showLink(extra) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(extra || {})) url.searchParams.set(k, v);
  $("link").value = url.toString();
  $("link").select();
  if (navigator.clipboard) navigator.clipboard.writeText(url.toString()).catch(() => {});
}

function setDownloads() {
  const q = `?session=${encodeURIComponent(session.id)}&token=${encodeURIComponent(token)}`;
  $("download-model").href = `download/model${q}`;
  $("download-report").href = `download/report${q}`;
}

function showMessage(text) {
  $("message-text").textContent = text;
  $("message").hidden = false;
}

function togglePlay() {
  send({ type: frame && frame.playing ? "pause" : "play" });
}

function wire() {
  $("play").onclick = togglePlay;
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("regenerate").onclick = () => send({ type: "regenerate" });
  $("message-close").onclick = () => { $("message").hidden = true; };
  $("numbers-close").onclick = () => $("numbers").classList.remove("active");
  $("speed").oninput = () => send({ type: "speed", value: session.choices.speed[+$("speed").value] });
  for (const id of ["data", "classes", "noise", "train", "points", "act", "cost", "init", "opt",
                    "lr", "gd-form", "batch", "l2", "seed"]) {
    $(id).onchange = () => configure();
  }
  $("example").onchange = () => {
    if ($("example").value) send({ type: "example", name: $("example").value });
    else configure();
  };
  $("add-layer").onclick = () => {
    const hidden = settings.hidden.concat([settings.hidden.length ? settings.hidden.at(-1) : 4]);
    configure({ hidden: hidden.join(",") });
  };
  $("remove-layer").onclick = () => configure({ hidden: settings.hidden.slice(0, -1).join(",") });
  $("upload").onchange = upload;
  $("edit").onsubmit = (e) => { e.preventDefault(); setValue(); };
  $("sample-form").onsubmit = (e) => {
    e.preventDefault();
    select($("sample-split").value, +$("sample-index").value);
  };
  $("surface").onclick = clickSurface;
  $("share").onclick = () => showLink();
  $("share-weights").onclick = () => send({ type: "weights" });
  $("show-test").onchange = scheduleDraw;
  document.addEventListener("keydown", (e) => {
    const tag = e.target.tagName;
    if (e.code === "Space" && !["INPUT", "SELECT", "TEXTAREA", "BUTTON", "A"].includes(tag)) {
      e.preventDefault();
      togglePlay();
    }
  });
}

function upload() {
  const file = $("upload").files[0];
  if (!file) return;
  if (file.size > session.limits.upload_bytes) {
    showMessage(`${file.name} is larger than ${session.limits.upload_bytes / 1024} KB; upload at most ${session.limits.points} rows`);
    return;
  }
  file.text().then((text) => send({ type: "upload", name: file.name, text }));
  $("upload").value = "";
}

function setValue() {
  if (!selection) return;
  const s = selection;
  const col = s.kind === "unit" ? frame.network.sizes[s.layer - 1] : s.col;
  const row = s.kind === "unit" ? s.unit : s.row;
  send({ type: "set", layer: s.layer, row, col, value: $("edit-value").value });
}

function select(split, index) {
  pendingClick = performance.now();
  send({ type: "select", split, index });
}

function clickSurface(event) {
  if (!data) return;
  const canvas = $("surface");
  const r = canvas.getBoundingClientRect();
  const x = (event.clientX - r.left) * canvas.width / r.width;
  const y = (event.clientY - r.top) * canvas.height / r.height;
  let best = null;
  for (const split of ["train", "test"]) {
    if (split === "test" && !$("show-test").checked) continue;
    data[split].forEach((row, i) => {
      const [px, py] = pointPosition(row);
      const d = Math.hypot(px - x, py - y);
      if (d < 10 && (!best || d < best.d)) best = { d, split, i };
    });
  }
  if (best) {
    $("sample-split").value = best.split;
    $("sample-index").value = best.i;
    select(best.split, best.i);
  }
}

function pointPosition(row) {
  const c = $("surface"), box = data.extent;
  if (box.length === 2) {
    const [lo, hi] = curveRange.last || Draw.yRange(data);
    return [(row[0] - box[0]) / (box[1] - box[0]) * c.width, c.height - (row[1] - lo) / (hi - lo || 1) * c.height];
  }
  return [(row[0] - box[0]) / (box[1] - box[0]) * c.width, (box[3] - row[1]) / (box[3] - box[2]) * c.height];
}

// ---------------------------------------------------------------- the glass box

// Resting the pointer on a unit for a moment shows its numbers, as a click does.
const hover = {
  timer: null,
  start(layer, unit) {
    this.stop();
    this.timer = setTimeout(() => inspectUnit(layer, unit), 300);
  },
  stop() { clearTimeout(this.timer); },
};

function inspectUnit(layer, unit) {
  hover.stop();
  selection = { kind: "unit", layer, unit };
  pendingClick = performance.now();
  send({ type: "unit", layer, unit });
}

function inspectWeight(layer, row, col) {
  selection = { kind: "weight", layer, row, col };
  pendingClick = performance.now();
  send({ type: "weight", layer, row, col });
}

function showInspector(lines, m) {
  const box = $("inspector");
  box.replaceChildren();
  for (const line of lines) {
    const p = document.createElement("p");
    p.className = "equation";
    p.textContent = line;
    box.appendChild(p);
  }
  $("numbers").classList.add("active");
  const isUnit = m.unit !== undefined;
  $("edit").hidden = false;
  $("edit-name").textContent = isUnit ? m.bias_name : m.name;
  $("edit-value").value = isUnit ? m.bias : m.value;
}

// ---------------------------------------------------------------- drawing

function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(draw);
}

function draw() {
  drawPending = false;
  if (!frame || !data) return;
  const t0 = performance.now();
  showStatus(frame);
  Net.draw(frame, data);
  drawSurface();
  Draw.curves($("curves").getContext("2d"), frame.curves);
  drawFeatures();
  showDiagnosis(frame);
  stats.frames += 1;
  stats.drawTimes.push(t0);
  stats.drawMs.push(performance.now() - t0);
  if (stats.drawTimes.length > 600) {
    stats.drawTimes.splice(0, 300);
    stats.drawMs.splice(0, 300);
  }
  if (frame.playing) send({ type: "ack" });
}

function showStatus(f) {
  const fmt = (v) => (v === null || v === undefined ? "—" : v.toFixed(4));
  $("epoch").textContent = `epoch ${f.epoch}`;
  $("updates").textContent = `updates ${f.updates}`;
  $("gd").textContent = f.gd === "mini-batch" ? `mini-batch of ${f.batch_size}` : f.gd;
  $("cost-train").textContent = `cost ${fmt(f.train_cost)}`;
  $("cost-test").textContent = `test cost ${fmt(f.test_cost)}`;
  const play = $("play");
  play.setAttribute("aria-label", f.playing ? "Pause" : "Play");
  if (play.dataset.playing !== String(f.playing)) {
    play.dataset.playing = String(f.playing);
    play.innerHTML = f.playing ? ICONS.pause : ICONS.play;
  }
  play.classList.toggle("playing", f.playing);
  if (f.diverged) showMessage(`${f.diverged}. Press Reset to start again.`);
}

function drawSurface() {
  const ctx = $("surface").getContext("2d");
  const out = frame.output, g = data.grid;
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (out.kind === "binary" || out.kind === "value") Draw.surfaceFromBytes(ctx, g, out.surface, true);
  else if (out.kind === "classes") Draw.classSurface(ctx, g, out.classes, out.confidence);
  else {
    ctx.fillStyle = "#f6f7f8";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    const [lo, hi] = curveRange(out.values);
    Draw.curve(ctx, out.values, lo, hi, "#0b3d66", 2.5);
  }
  const yrange = out.kind === "curve" ? curveRange.last : null;
  const ring = (split) => (chosen.split === split ? chosen.index : -1);
  Draw.dots(ctx, data, data.train, false, ring("train"), yrange);
  if ($("show-test").checked) Draw.dots(ctx, data, data.test, true, ring("test"), yrange);
}

// The vertical range of a 1-D picture: the targets and the curve, with a margin.
function curveRange(values) {
  if (data.task !== "regression") return [-0.1, 1.1];
  const [lo, hi] = Draw.yRange(data);
  const low = Math.min(lo, ...values), high = Math.max(hi, ...values);
  const pad = 0.05 * (high - low || 1);
  curveRange.last = [low - pad, high + pad];
  return curveRange.last;
}

function drawFeatures() {
  const ctx = $("features").getContext("2d");
  const f = frame.features;
  $("features").hidden = !f;
  if (!f) {
    $("features-note").textContent = "Give the last hidden layer 2 or 3 units to see the space it maps the data into.";
    return;
  }
  $("features-note").textContent = `h(x) of every point in the last hidden layer (${f.dims} units)` +
    (f.separator ? ", and the output's separating " + (f.dims === 2 ? "line" : "plane") : "");
  Draw.features(ctx, f, data);
}

function showDiagnosis(f) {
  const box = $("diagnosis");
  const text = f.diagnosis.map((d) => `Layer ${d.layer}: units ${d.units.map((u) => u + 1).join(", ")} ${d.kind}. ${d.advice}`).join(" ");
  if (box.textContent !== text) box.textContent = text;
}

// ---------------------------------------------------------------- the network diagram

const Net = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  let key = "";
  let units = [];   // [layer][unit] → canvas
  let lines = [];   // [layer][row][col] → path
  let biases = [];  // [layer][unit] → bias square

  function layout(sizes, width) {
    const colW = width / sizes.length;
    const unit = Math.min(44, Math.max(26, colW * 0.55));
    const gap = 8;
    const tallest = Math.max(...sizes);
    const height = tallest * (unit + gap) + 60;
    const pos = sizes.map((n, l) => {
      const x = colW * l + (colW - unit) / 2;
      const top = 52 + (tallest - n) * (unit + gap) / 2;
      return Array.from({ length: n }, (_, i) => [x, top + i * (unit + gap)]);
    });
    return { pos, unit, height };
  }

  function build(f) {
    const box = $("net");
    box.replaceChildren();
    const sizes = f.network.sizes;
    const width = Math.max(box.clientWidth, 260);
    const { pos, unit, height } = layout(sizes, width);
    box.style.height = `${height}px`;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    box.appendChild(svg);
    lines = [];
    for (let l = 1; l < sizes.length; l++) {
      const layer = [];
      for (let j = 0; j < sizes[l]; j++) {
        const row = [];
        for (let i = 0; i < sizes[l - 1]; i++) {
          const [x0, y0] = pos[l - 1][i], [x1, y1] = pos[l][j];
          const d = `M${x0 + unit},${y0 + unit / 2} C${(x0 + unit + x1) / 2},${y0 + unit / 2} ${(x0 + unit + x1) / 2},${y1 + unit / 2} ${x1},${y1 + unit / 2}`;
          const path = document.createElementNS(SVG, "path");
          path.setAttribute("d", d);
          path.setAttribute("class", "link");
          const hit = document.createElementNS(SVG, "path");
          hit.setAttribute("d", d);
          hit.setAttribute("class", "hit");
          hit.setAttribute("tabindex", "0");
          hit.setAttribute("role", "button");
          hit.setAttribute("aria-label", `weight from ${l === 1 ? "input" : "layer " + (l - 1) + " unit"} ${i + 1} to layer ${l} unit ${j + 1}`);
          hit.addEventListener("click", () => inspectWeight(l, j, i));
          hit.addEventListener("keydown", (e) => {  // a button: Enter and Space press it
            if (e.key !== "Enter" && e.key !== " ") return;
            e.preventDefault();
            e.stopPropagation();  // Space here is this button's, not Play's
            inspectWeight(l, j, i);
          });
          svg.appendChild(path);
          svg.appendChild(hit);
          row.push(path);
        }
        layer.push(row);
      }
      lines.push(layer);
    }
    units = [];
    biases = [];
    sizes.forEach((n, l) => {
      const col = [], bcol = [];
      const label = document.createElement("div");
      label.className = "col-label";
      label.style.left = `${pos[l][0][0] - 10}px`;
      label.style.width = `${unit + 20}px`;
      label.textContent = l === 0 ? "input" : l === sizes.length - 1 ? "output" : `${f.network.activations[l - 1] === "Identity" ? "" : f.network.activations[l - 1]} ${l}`;
      box.appendChild(label);
      for (let i = 0; i < n; i++) {
        const [x, y] = pos[l][i];
        const el = document.createElement(l === 0 ? "div" : "button");
        el.className = l === 0 ? "unit input" : "unit";
        el.style.left = `${x}px`;
        el.style.top = `${y}px`;
        el.style.width = el.style.height = `${unit}px`;
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 32;
        el.appendChild(canvas);
        box.appendChild(el);
        col.push(canvas);
        if (l === 0) {
          el.title = data.features[i] || `x${i + 1}`;
          el.setAttribute("role", "img");
          el.setAttribute("aria-label", `input ${el.title}`);
          inputPicture(canvas, i);
        } else {
          el.type = "button";
          el.setAttribute("aria-label", `layer ${l} unit ${i + 1}`);
          el.addEventListener("click", () => inspectUnit(l, i));
          el.addEventListener("mouseenter", () => hover.start(l, i));
          el.addEventListener("mouseleave", () => hover.stop());
          const b = document.createElement("button");  // beside the unit: not nested in it
          b.type = "button";
          b.className = "bias";
          b.style.left = `${x - 5}px`;
          b.style.top = `${y + unit - 5}px`;
          b.setAttribute("aria-label", `bias of layer ${l} unit ${i + 1}`);
          b.addEventListener("click", () => inspectWeight(l, i, sizes[l - 1]));
          bcol.push(b);
          box.appendChild(b);
        }
      }
      if (l > 0 && l < sizes.length - 1) {
        for (const [sign, text] of [[1, "+"], [-1, "−"]]) {
          const btn = document.createElement("button");
          btn.type = "button";
          btn.className = "units-btn";
          btn.textContent = text;
          btn.setAttribute("aria-label", `${sign > 0 ? "Add a unit to" : "Remove a unit from"} layer ${l}`);
          btn.style.left = `${pos[l][0][0] + (sign > 0 ? unit / 2 + 1 : unit / 2 - 23)}px`;
          btn.onclick = () => {
            const hidden = settings.hidden.slice();
            hidden[l - 1] = hidden[l - 1] + sign;
            configure({ hidden: hidden.filter((h) => h > 0).join(",") });
          };
          box.appendChild(btn);
        }
      }
      units.push(col);
      biases.push(bcol);
    });
    $("shape").textContent = sizes.join("-");
  }

  function inputPicture(canvas, i) {
    const ctx = canvas.getContext("2d");
    if (data.extent.length === 2) {
      Draw.curve(ctx, [0, 1], 0, 1, "#0b3d66", 2);
      return;
    }
    Draw.paintGrid(ctx, 16, (k) => {
      const x = (k % 16) / 15, y = 1 - Math.floor(k / 16) / 15;
      return Draw.diverging(2 * (i === 0 ? x : y) - 1);
    });
  }

  function draw(f) {
    const k = f.network.sizes.join("-") + f.network.activations.join() + data.name + $("net").clientWidth;
    if (k !== key) { build(f); key = k; }
    const W = f.network.W, b = f.network.b;
    let wmax = 0;
    W.forEach((m) => m.forEach((r) => r.forEach((v) => { wmax = Math.max(wmax, Math.abs(v || 0)); })));
    lines.forEach((layer, l) => layer.forEach((row, j) => row.forEach((path, i) => {
      const v = W[l][j][i] || 0;
      path.style.stroke = Draw.weightColour(v);
      path.style.strokeWidth = (0.4 + 5 * Math.abs(v) / (wmax || 1)).toFixed(2);
    })));
    biases.forEach((col, l) => col.forEach((el, j) => {
      el.style.background = Draw.weightColour(b[l - 1][j] || 0);
    }));
    f.units.forEach((layer, l) => layer.forEach((values, j) => {
      const canvas = units[l + 1] && units[l + 1][j];
      if (!canvas) return;
      const ctx = canvas.getContext("2d");
      if (typeof values === "string") Draw.surfaceFromBytes(ctx, data.grid, values);
      else {
        ctx.fillStyle = "#f6f7f8";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        Draw.curve(ctx, values, -1.1, 1.1, "#0b3d66", 1.5);
      }
    }));
    const dead = new Set();
    f.diagnosis.forEach((d) => d.units.forEach((u) => dead.add(`${d.layer}:${u}`)));
    units.forEach((col, l) => col.forEach((c, j) => c.parentElement.classList.toggle("dead", dead.has(`${l}:${j}`))));
  }

  return { draw };
})();

window.addEventListener("resize", scheduleDraw);
wire();
connect();
