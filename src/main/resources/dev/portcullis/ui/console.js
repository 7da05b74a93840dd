// The console's few behaviours that need script (no inline script: the CSP forbids it).
document.addEventListener("submit", (e) => {
  const form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    e.preventDefault();
  }
}, true);
document.addEventListener("click", (e) => {
  const button = e.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const text = document.getElementById(button.dataset.copy).textContent;
  navigator.clipboard.writeText(text).then(() => { button.textContent = "Copied"; },
    () => { button.textContent = "Select and copy by hand"; });
});
// Charts: the server puts each chart's numbers in a data-chart attribute; uPlot draws them, on
// the first load and again whenever htmx brings in fresh numbers (the overview polls).
const palette = ["#2f5bd3", "#b3261e", "#c77700", "#1b6e2d"];
function formatter(unit) {
  return (v) => {
    if (v == null) {
      return "";
    }
    if (unit === "$") {
      // a cheap request costs well under a cent: keep two significant digits there
      return "$" + (v !== 0 && Math.abs(v) < 0.01 ? Number(v.toPrecision(2)) : v.toFixed(2));
    }
    return unit === "ms" ? Math.round(v) + " ms" : String(Math.round(v * 100) / 100);
  };
}
function drawCharts(root) {
  root.querySelectorAll("[data-chart]").forEach((el) => {
    if (el.dataset.drawn) {
      return;
    }
    el.dataset.drawn = "yes";
    const d = JSON.parse(el.dataset.chart);
    const fmt = formatter(d.unit);
    const size = () => ({ width: Math.max(el.clientWidth, 240), height: 200 });
    const opts = Object.assign(size(), {
      series: [{}].concat(d.series.map((s, i) => ({
        label: s.label, stroke: palette[i % palette.length], width: 2, value: (u, v) => fmt(v),
      }))),
      axes: [{}, { size: 84, values: (u, vals) => vals.map(fmt) }],
    });
    const plot = new uPlot(opts, [d.x].concat(d.series.map((s) => s.values)), el);
    new ResizeObserver(() => plot.setSize(size())).observe(el);
  });
}
document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:load", (e) => drawCharts(e.target));
