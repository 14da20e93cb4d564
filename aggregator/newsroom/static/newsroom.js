// aggregator newsroom: draws each <figure data-chart="KIND"> from the JSON it holds, with Observable Plot.
(function () {
  "use strict";
  var FONT = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", sans-serif';
  var ORIGINAL = "#c0392b";
  var REPOST = "#2c7fb8";

  // a date as the page printed it (its own zone), placed on a UTC axis so that the axis shows that wall time
  function wallTime(iso) {
    var m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2}))?)?/.exec(iso || "");
    if (!m) return null;
    return new Date(m[1] + "T" + (m[2] || "00:00") + ":" + (m[3] || "00") + "Z");
  }

  function textWidth(labels) {
    var n = 0;
    labels.forEach(function (s) {
      var w = 0;
      for (var ch of String(s)) w += ch.charCodeAt(0) > 0x2e80 ? 13 : 7;
      n = Math.max(n, w);
    });
    return Math.min(260, n + 16);
  }

  var charts = {
    timeline: function (data, width) {
      var copies = data.copies.map(function (c) {
        return Object.assign({}, c, { t: wallTime(c.time), role: c.original ? "original" : "repost" });
      }).filter(function (c) { return c.t; });
      if (!copies.length) {
        var p = document.createElement("p");
        p.className = "nochart";
        p.textContent = "No copy shows a date: nothing to place on a timeline.";
        return p;
      }
      var times = copies.map(function (c) { return +c.t; });
      var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times);
      var pad = Math.max(2 * 3600e3, (hi - lo) * 0.08);
      var originals = copies.filter(function (c) { return c.original; });
      var fmt = d3.utcFormat("%m-%d %H:%M");
      return Plot.plot({
        width: width,
        height: 70 + 42 * data.rows.length,
        marginLeft: textWidth(data.rows),
        marginRight: 40,
        marginBottom: 42,
        style: { fontFamily: FONT, fontSize: "13px" },
        x: { type: "utc", domain: [new Date(lo - pad), new Date(hi + pad)], label: "date shown on each copy", grid: true },
        y: { domain: data.rows, label: null },
        color: { domain: ["original", "repost"], range: [ORIGINAL, REPOST], legend: true },
        marks: [
          Plot.ruleX(originals, { x: "t", stroke: ORIGINAL, strokeDasharray: "4,3", strokeOpacity: 0.6 }),
          Plot.ruleY(data.rows, { stroke: "#ddd" }),
          Plot.dot(copies, {
            x: "t", y: "portal", fill: "role", r: 7, stroke: "white",
            symbol: function (c) { return c.original ? "star" : "circle"; },
            title: function (c) { return c.portal + " (" + c.host + ")\n" + c.time + "\n" + c.title + "\n" + c.url; },
          }),
          Plot.text(copies, {
            x: "t", y: "portal", dy: -14, fontSize: 11, fill: "#555",
            text: function (c) { return fmt(c.t) + (c.original ? " 原发 original" : ""); },
          }),
        ],
      });
    },

    per_day: function (data, width) {
      var rows = data.map(function (r) { return Object.assign({}, r, { d: new Date(r.day + "T00:00:00Z") }); })
        .filter(function (r) { return !isNaN(+r.d); });
      return Plot.plot({
        width: width,
        height: 260,
        style: { fontFamily: FONT, fontSize: "12px" },
        x: { type: "utc", label: null },
        y: { label: "stories", grid: true },
        color: { legend: true, scheme: "tableau10" },
        marks: [
          Plot.rectY(rows, { x: "d", interval: "day", y: "stories", fill: "source", inset: 1,
            title: function (r) { return r.day + " " + r.source + ": " + r.stories; } }),
          Plot.ruleY([0]),
        ],
      });
    },

    reposting: function (data, width) {
      var labels = data.map(function (r) { return r.portal; });
      return Plot.plot({
        width: width,
        height: 50 + 28 * Math.max(1, data.length),
        marginLeft: textWidth(labels),
        marginRight: 40,
        style: { fontFamily: FONT, fontSize: "12px" },
        x: { label: "reposts", grid: true },
        y: { label: null, domain: labels },
        marks: [
          Plot.barX(data, { x: "reposts", y: "portal", fill: REPOST,
            title: function (r) { return r.portal + ": " + r.reposts + " reposts of " + r.stories + " stories"; } }),
          Plot.text(data, { x: "reposts", y: "portal", text: "reposts", dx: 12 }),
          Plot.ruleX([0]),
        ],
      });
    },
  };

  function draw() {
    document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
      var kind = fig.getAttribute("data-chart");
      var json = fig.querySelector('script[type="application/json"]');
      if (!charts[kind] || !json) return;
      var node;
      try {
        node = charts[kind](JSON.parse(json.textContent), Math.max(320, fig.clientWidth || 640));
      } catch (err) {
        node = document.createElement("p");
        node.className = "error";
        node.textContent = "chart failed: " + err;
      }
      var old = fig.querySelector(".drawn");
      if (old) old.remove();
      var box = document.createElement("div");
      box.className = "drawn";
      box.appendChild(node);
      fig.insertBefore(box, fig.querySelector("figcaption"));
    });
  }

  if (typeof Plot === "undefined" || typeof d3 === "undefined") return;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
