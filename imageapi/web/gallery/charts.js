// SVG bar charts, drawn here: a title for each bar and a text summary for
// screen readers (role="img" with an aria-label).

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text = undefined) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * Vertical bars: points is [{label, value}], format turns a value into words.
 * Empty data draws an axis and says so.
 */
export function barChart(title, points, format = String) {
  const width = 480;
  const height = 200;
  const left = 8;
  const bottom = 28;
  const top = 18;
  const max = Math.max(1, ...points.map((point) => point.value));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "aria-label": points.some((point) => point.value)
      ? `${title}: ${points.filter((point) => point.value).map((point) => `${point.label} ${format(point.value)}`).join(", ")}; others none`
      : `${title}: no data in this period`,
  });
  chart.append(svg("line", { x1: left, x2: width - left, y1: height - bottom, y2: height - bottom, class: "axis" }));
  if (!points.length) {
    chart.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "No data in this period"));
    return chart;
  }
  const slot = (width - 2 * left) / points.length;
  const barWidth = Math.max(2, Math.min(48, slot * 0.7));
  const labelEvery = Math.ceil(points.length / 8);
  points.forEach((point, index) => {
    const barHeight = ((height - bottom - top) * point.value) / max;
    const x = left + index * slot + (slot - barWidth) / 2;
    const bar = svg("rect", { x, y: height - bottom - barHeight, width: barWidth, height: Math.max(barHeight, 0.5), class: "bar" });
    bar.append(svg("title", {}, `${point.label}: ${format(point.value)}`));
    chart.append(bar);
    if (index % labelEvery === 0) {
      chart.append(svg("text", { x: x + barWidth / 2, y: height - bottom + 14, "text-anchor": "middle" }, point.label));
    }
  });
  chart.append(svg("text", { x: left, y: 12 }, `max ${format(max)}`));
  return chart;
}
