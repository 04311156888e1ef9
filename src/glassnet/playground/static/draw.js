// glassnet playground: drawing. Every number drawn here was computed by glassnet on the server;
// this file only turns them into pixels (canvas 2D and SVG, no library).
"use strict";

const Draw = (() => {
  const NEG = [245, 147, 34];   // orange: −1
  const MID = [232, 234, 235];  // light grey: 0
  const POS = [8, 119, 189];    // blue: +1
  const CLASS = ["#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

  function mix(a, b, t) {
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  }

  // v in [−1, 1] → [r, g, b]
  function diverging(v) {
    return v < 0 ? mix(MID, NEG, -v) : mix(MID, POS, v);
  }

  function hexRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function bytes(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  // A g × g image on an offscreen canvas, scaled smoothly onto ctx's whole canvas.
  const offscreen = document.createElement("canvas");
  function paintGrid(ctx, g, pixel) {
    offscreen.width = g;
    offscreen.height = g;
    const octx = offscreen.getContext("2d");
    const img = octx.createImageData(g, g);
    for (let i = 0; i < g * g; i++) {
      const [r, gr, b] = pixel(i);
      img.data[4 * i] = r;
      img.data[4 * i + 1] = gr;
      img.data[4 * i + 2] = b;
      img.data[4 * i + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(offscreen, 0, 0, ctx.canvas.width, ctx.canvas.height);
  }

  // soft: the output's surface is lighter than a unit's, so the points on it stand out
  function surfaceFromBytes(ctx, g, b64, soft) {
    const v = bytes(b64);
    const k = soft ? 0.6 : 1;
    paintGrid(ctx, g, (i) => diverging(k * (v[i] / 127.5 - 1)));
  }

  function classSurface(ctx, g, classesB64, confidenceB64) {
    const c = bytes(classesB64);
    const conf = bytes(confidenceB64);
    paintGrid(ctx, g, (i) => mix(MID, hexRgb(CLASS[c[i] % CLASS.length]), 0.15 + 0.45 * (conf[i] / 255)));
  }

  // A curve y(x) over the line (1-D inputs): values in their own range or [lo, hi].
  function curve(ctx, values, lo, hi, colour, width) {
    const w = ctx.canvas.width, h = ctx.canvas.height;
    ctx.strokeStyle = colour;
    ctx.lineWidth = width || 2;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = (i / (values.length - 1)) * w;
      const y = h - ((v - lo) / (hi - lo || 1)) * h;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }

  // Points [x1, x2, label] on a box [x1min, x1max, x2min, x2max].
  function toCanvas(box, canvas, x1, x2) {
    return [(x1 - box[0]) / (box[1] - box[0]) * canvas.width,
            (box[3] - x2) / (box[3] - box[2]) * canvas.height];
  }

  function pointColour(data, label) {
    if (data.task === "regression") {
      const [lo, hi] = data.range;
      return "rgb(" + diverging(2 * (label - lo) / (hi - lo || 1) - 1).map(Math.round).join(",") + ")";
    }
    return CLASS[label % CLASS.length];
  }

  function dots(ctx, data, rows, test, selected, yrange) {
    const box = data.extent;
    rows.forEach((row, i) => {
      let x, y;
      if (box.length === 2) {  // 1-D: x along, target up
        const [lo, hi] = yrange || yRange(data);
        x = (row[0] - box[0]) / (box[1] - box[0]) * ctx.canvas.width;
        y = ctx.canvas.height - (row[1] - lo) / (hi - lo || 1) * ctx.canvas.height;
      } else {
        [x, y] = toCanvas(box, ctx.canvas, row[0], row[1]);
      }
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = pointColour(data, row[row.length - 1]);
      ctx.fill();
      ctx.lineWidth = test ? 1.5 : 1;
      ctx.strokeStyle = test ? "#222" : "#fff";
      ctx.stroke();
      if (selected === i) {
        ctx.beginPath();
        ctx.arc(x, y, 7, 0, 2 * Math.PI);
        ctx.lineWidth = 2;
        ctx.strokeStyle = "#111";
        ctx.stroke();
      }
    });
  }

  function yRange(data) {
    const [lo, hi] = data.range;
    const pad = 0.15 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  }

  // The cost curves: train solid, test dashed.
  function curves(ctx, c) {
    const w = ctx.canvas.width, h = ctx.canvas.height;
    ctx.clearRect(0, 0, w, h);
    const all = c.train.concat(c.test).filter((v) => v !== null);
    if (c.epoch.length < 1 || all.length === 0) {
      ctx.fillStyle = "#888";
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillText("the cost of every epoch appears here as it trains", 8, h / 2);
      return;
    }
    const top = Math.max(...all) * 1.05 || 1;
    const last = c.epoch[c.epoch.length - 1], first = c.epoch[0];
    const line = (values, colour, dash) => {
      ctx.setLineDash(dash);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      let started = false;
      values.forEach((v, i) => {
        if (v === null) return;
        const x = last > first ? (c.epoch[i] - first) / (last - first) * (w - 4) + 2 : w / 2;
        const y = h - 2 - v / top * (h - 14);
        if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(c.test, "#777", [5, 4]);
    line(c.train, "#0b3d66", []);
    ctx.fillStyle = "#444";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(top.toPrecision(3), 3, 11);
    ctx.fillText("epoch " + last, w - 70, h - 4);
  }

  // The hidden feature space: h(x) of every point and the output's line (2-D) or plane (3-D).
  function features(ctx, f, data) {
    const w = ctx.canvas.width, h = ctx.canvas.height;
    ctx.clearRect(0, 0, w, h);
    const pts = f.train.map((p, i) => [p, data.train[i]]).concat(
      f.test.map((p, i) => [p, data.test[i]]));
    const project = f.dims === 2 ? (p) => [p[0], p[1]] : (p) => {
      const a = 0.9, b = 0.5;  // a fixed view: turned by a about the vertical, tilted by b
      const x = p[0] * Math.cos(a) - p[1] * Math.sin(a);
      const z = p[0] * Math.sin(a) + p[1] * Math.cos(a);
      return [x, p[2] * Math.cos(b) - z * Math.sin(b)];
    };
    const flat = pts.map(([p]) => project(p));
    let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    flat.forEach((q) => { for (let k = 0; k < 2; k++) { lo[k] = Math.min(lo[k], q[k]); hi[k] = Math.max(hi[k], q[k]); } });
    const pad = [0.1 * (hi[0] - lo[0] || 1), 0.1 * (hi[1] - lo[1] || 1)];
    lo = [lo[0] - pad[0], lo[1] - pad[1]];
    hi = [hi[0] + pad[0], hi[1] + pad[1]];
    const px = (q) => [(q[0] - lo[0]) / (hi[0] - lo[0]) * w, h - (q[1] - lo[1]) / (hi[1] - lo[1]) * h];
    if (f.separator) separator(ctx, f, project, px, lo, hi);
    flat.forEach((q, i) => {
      const [x, y] = px(q);
      ctx.beginPath();
      ctx.arc(x, y, 2.5, 0, 2 * Math.PI);
      ctx.fillStyle = pointColour(data, pts[i][1][pts[i][1].length - 1]);
      ctx.fill();
    });
  }

  function separator(ctx, f, project, px, lo, hi) {
    const [c, d] = f.separator;
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (f.dims === 2) {  // c₁h₁ + c₂h₂ + d = 0 across the box
      const ends = [];
      if (Math.abs(c[1]) > 1e-12) {
        for (const h1 of [lo[0], hi[0]]) ends.push([h1, -(d + c[0] * h1) / c[1]]);
      } else if (Math.abs(c[0]) > 1e-12) {
        for (const h2 of [lo[1], hi[1]]) ends.push([-d / c[0], h2]);
      }
      if (ends.length === 2) {
        ctx.moveTo(...px(ends[0]));
        ctx.lineTo(...px(ends[1]));
      }
    } else if (Math.abs(c[2]) > 1e-12) {  // the plane h₃ = −(d + c₁h₁ + c₂h₂)/c₃ as a mesh
      const all = f.train.concat(f.test);
      const span = [0, 0.25, 0.5, 0.75, 1];
      const range = (k) => [Math.min(...all.map((p) => p[k])), Math.max(...all.map((p) => p[k]))];
      const [r1, r2] = [range(0), range(1)];
      const at = (s, t) => {
        const h1 = r1[0] + s * (r1[1] - r1[0]), h2 = r2[0] + t * (r2[1] - r2[0]);
        return px(project([h1, h2, -(d + c[0] * h1 + c[1] * h2) / c[2]]));
      };
      for (const s of span) {
        span.forEach((t, k) => { const p = at(s, t); if (k === 0) ctx.moveTo(...p); else ctx.lineTo(...p); });
        span.forEach((t, k) => { const p = at(t, s); if (k === 0) ctx.moveTo(...p); else ctx.lineTo(...p); });
      }
      ctx.strokeStyle = "rgba(0,0,0,0.3)";
    }
    ctx.stroke();
  }

  function weightColour(wv) {
    return wv >= 0 ? "rgb(8,119,189)" : "rgb(245,147,34)";
  }

  return { diverging, bytes, surfaceFromBytes, classSurface, curve, dots, curves, features,
           weightColour, pointColour, yRange, paintGrid, CLASS };
})();
