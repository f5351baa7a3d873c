//! SVG charts for the comparison report: grouped bars and lines, rendered without dependencies.
//!
//! The output is deterministic (the same chart gives byte-identical SVG: every coordinate has two
//! decimals and nothing iterates a hash map), self-contained (no fonts, stylesheets or scripts) and
//! accessible (a `<title>` for the chart and one per bar and point, which browsers show on hover).
//! Axes carry 4 to 8 ticks at 1, 2, 5 × 10^k (linear) or powers of ten (log). Log axes leave out
//! values <= 0; empty and constant data render a valid chart; no number in the output is NaN or
//! infinite.

/// Width of every chart, in SVG user units (pixels).
pub const WIDTH: f64 = 760.0;
/// Height of every chart, in SVG user units (pixels).
pub const HEIGHT: f64 = 420.0;

/// Okabe-Ito: eight colours that colour-blind readers tell apart, chosen by series index.
const PALETTE: [&str; 8] = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"];
const GRID: &str = "#e0e0e0";
const INK: &str = "#333333";
/// Average width of one character at font size 12, for layout estimates.
const CHAR_WIDTH: f64 = 6.5;
/// Category labels longer than this are shortened with an ellipsis (the full text stays in a `<title>`).
const MAX_LABEL_CHARS: usize = 20;
const MARGIN_LEFT: f64 = 80.0;
const MARGIN_RIGHT: f64 = 24.0;
const LEGEND_TOP: f64 = 44.0;
const LEGEND_ROW: f64 = 18.0;

/// One named series of a bar chart: one value per category, `None` where there is no figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Shown in the legend and in each bar's `<title>`.
    pub name: String,
    /// One value per category, in category order.
    pub values: Vec<Option<f64>>,
}

/// Grouped bars: one group per category, one bar per series in each group.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// The chart's heading and accessible name.
    pub title: String,
    /// What the bars measure (`gas`).
    pub y_label: String,
    /// The groups along the x axis.
    pub categories: Vec<String>,
    /// The bars of each group, one per series.
    pub series: Vec<Series>,
    /// Logarithmic y axis (values <= 0 get no bar).
    pub log_y: bool,
}

/// One named line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Shown in the legend and in each point's `<title>`.
    pub name: String,
    /// `(x, y)` points, drawn in this order.
    pub points: Vec<(f64, f64)>,
}

/// Lines over a numeric x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// The chart's heading and accessible name.
    pub title: String,
    /// What the x axis measures.
    pub x_label: String,
    /// What the y axis measures.
    pub y_label: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// Logarithmic x axis (points with x <= 0 are left out).
    pub log_x: bool,
    /// Logarithmic y axis (points with y <= 0 are left out).
    pub log_y: bool,
}

impl BarChart {
    /// The chart as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        let (legend, legend_bottom) = legend(&names);
        let plot =
            Plot { left: MARGIN_LEFT, top: legend_bottom + 12.0, right: WIDTH - MARGIN_RIGHT, bottom: HEIGHT - 96.0 };
        let values = self.series.iter().flat_map(|s| s.values.iter().take(self.categories.len()).flatten().copied());
        let axis = Axis::new(values, self.log_y, true);
        let mut out = header(&self.title);
        out.push_str(&y_axis_svg(&plot, &axis, &self.y_label));
        out.push_str(&self.category_labels(&plot));
        out.push_str(&self.bars(&plot, &axis));
        out.push_str(&frame(&plot));
        out.push_str(&legend);
        out.push_str("</svg>\n");
        out
    }

    fn group_width(&self, plot: &Plot) -> f64 {
        plot.width() / self.categories.len().max(1) as f64
    }

    fn category_labels(&self, plot: &Plot) -> String {
        let group = self.group_width(plot);
        let rotate = self.categories.iter().any(|c| text_width(&short_label(c)) > group * 0.9);
        let mut out = String::from("<g class=\"categories\">\n");
        for (index, category) in self.categories.iter().enumerate() {
            let x = plot.left + group * (index as f64 + 0.5);
            let y = plot.bottom + 16.0;
            let placement = if rotate {
                format!("text-anchor=\"end\" transform=\"rotate(-30 {} {})\"", num(x), num(y))
            } else {
                String::from("text-anchor=\"middle\"")
            };
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" {placement}><title>{}</title>{}</text>\n",
                num(x),
                num(y),
                escape(category),
                escape(&short_label(category))
            ));
        }
        out.push_str("</g>\n");
        out
    }

    fn bars(&self, plot: &Plot, axis: &Axis) -> String {
        let group = self.group_width(plot);
        let bar = group * 0.8 / self.series.len().max(1) as f64;
        let base_y = plot.y(axis, axis.baseline());
        let mut out = String::from("<g class=\"bars\">\n");
        for (index, category) in self.categories.iter().enumerate() {
            for (rank, series) in self.series.iter().enumerate() {
                let x = plot.left + group * (index as f64 + 0.1) + bar * rank as f64;
                let value = series.values.get(index).copied().flatten().filter(|v| axis.accepts(*v));
                let label = format!("{}: {}", series.name, category);
                out.push_str(&match value {
                    Some(value) => bar_rect(x, bar, base_y, plot.y(axis, value), colour(rank), &label, value),
                    None => not_available(x + bar / 2.0, base_y, &label),
                });
            }
        }
        out.push_str("</g>\n");
        out
    }
}

impl LineChart {
    /// The chart as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let names: Vec<&str> = self.lines.iter().map(|l| l.name.as_str()).collect();
        let (legend, legend_bottom) = legend(&names);
        let plot =
            Plot { left: MARGIN_LEFT, top: legend_bottom + 12.0, right: WIDTH - MARGIN_RIGHT, bottom: HEIGHT - 56.0 };
        let points: Vec<Vec<(f64, f64)>> = self.lines.iter().map(|line| self.usable_points(line)).collect();
        let x_axis = Axis::new(points.iter().flatten().map(|p| p.0), self.log_x, false);
        let y_axis = Axis::new(points.iter().flatten().map(|p| p.1), self.log_y, false);
        let mut out = header(&self.title);
        out.push_str(&y_axis_svg(&plot, &y_axis, &self.y_label));
        out.push_str(&x_axis_svg(&plot, &x_axis, &self.x_label));
        for (rank, (line, points)) in self.lines.iter().zip(&points).enumerate() {
            out.push_str(&line_svg(&plot, (&x_axis, &y_axis), &line.name, points, colour(rank)));
        }
        out.push_str(&frame(&plot));
        out.push_str(&legend);
        out.push_str("</svg>\n");
        out
    }

    fn usable_points(&self, line: &Line) -> Vec<(f64, f64)> {
        line.points.iter().copied().filter(|&(x, y)| usable(x, self.log_x) && usable(y, self.log_y)).collect()
    }
}

/// The drawing area inside the margins.
struct Plot {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Plot {
    fn width(&self) -> f64 {
        self.right - self.left
    }

    fn x(&self, axis: &Axis, value: f64) -> f64 {
        self.left + axis.fraction(value) * self.width()
    }

    fn y(&self, axis: &Axis, value: f64) -> f64 {
        self.bottom - axis.fraction(value) * (self.bottom - self.top)
    }
}

/// A value range with its tick values; `lo < hi` always, both finite (and positive when `log`).
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
}

impl Axis {
    /// The axis covering `values` (those a log axis cannot show are ignored).
    fn new(values: impl Iterator<Item = f64>, log: bool, include_zero: bool) -> Self {
        let mut range: Option<(f64, f64)> = if include_zero && !log { Some((0.0, 0.0)) } else { None };
        for value in values.filter(|v| usable(*v, log)) {
            range = Some(range.map_or((value, value), |(lo, hi)| (lo.min(value), hi.max(value))));
        }
        match (log, range) {
            (true, Some((lo, hi))) => log_axis(lo, hi),
            (true, None) => log_axis(1.0, 10.0),
            (false, Some((lo, hi))) => linear_axis(lo, hi),
            (false, None) => linear_axis(0.0, 1.0),
        }
    }

    fn accepts(&self, value: f64) -> bool {
        usable(value, self.log)
    }

    /// Where bars start: zero when the axis shows it, else the axis end nearest to it.
    fn baseline(&self) -> f64 {
        if self.log { self.lo } else { 0.0_f64.clamp(self.lo, self.hi) }
    }

    /// Where `value` sits between the axis ends, from 0 to 1.
    fn fraction(&self, value: f64) -> f64 {
        let (lo, hi, value) =
            if self.log { (self.lo.log10(), self.hi.log10(), value.log10()) } else { (self.lo, self.hi, value) };
        let fraction = (value - lo) / (hi - lo);
        if fraction.is_finite() { fraction.clamp(0.0, 1.0) } else { 0.0 }
    }
}

fn usable(value: f64, log: bool) -> bool {
    value.is_finite() && (!log || value > 0.0)
}

/// Gives an empty or one-point range some width.
fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite()) || lo > hi {
        (0.0, 1.0)
    } else if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo - lo.abs() / 2.0, hi + hi.abs() / 2.0)
    }
}

/// A linear axis from a multiple of a 1, 2, 5 × 10^k step below `lo` to one above `hi`, with 4 to 8
/// ticks (as close to 6 as possible).
fn linear_axis(lo: f64, hi: f64) -> Axis {
    const SLACK: f64 = 1e-9;
    let (lo, hi) = widen(lo, hi);
    let top = (hi - lo).log10().floor() as i32;
    let mut best: Option<(usize, f64, f64, f64)> = None;
    for exponent in (top - 2..=top + 1).rev() {
        for multiple in [5.0, 2.0, 1.0] {
            let step = multiple * 10f64.powi(exponent);
            let (first, last) = ((lo / step + SLACK).floor(), (hi / step - SLACK).ceil());
            let count = (last - first) as usize + 1;
            let distance = count.abs_diff(6);
            if (4..=8).contains(&count) && best.is_none_or(|(d, ..)| distance < d) {
                best = Some((distance, step, first, last));
            }
        }
    }
    let Some((_, step, first, last)) = best else {
        return Axis { lo, hi, log: false, ticks: vec![lo, hi] };
    };
    let ticks = (0..=(last - first) as usize)
        .map(|i| (first + i as f64) * step)
        .map(|tick| if tick.abs() < step * SLACK { 0.0 } else { tick })
        .collect();
    Axis { lo: first * step, hi: last * step, log: false, ticks }
}

/// A log axis from the power of ten at or below `lo` to the one at or above `hi`: ticks at
/// 1, 2, 5 × 10^k over one or two decades, at powers of ten (every k-th when there are many) beyond.
fn log_axis(lo: f64, hi: f64) -> Axis {
    const SLACK: f64 = 1e-9;
    const LIMIT: i32 = 300;
    let (lo, hi) = if lo > 0.0 && hi >= lo && hi.is_finite() { (lo, hi) } else { (1.0, 10.0) };
    let low = ((lo.log10() + SLACK).floor() as i32).clamp(-LIMIT, LIMIT - 1);
    let mut high = ((hi.log10() - SLACK).ceil() as i32).clamp(low + 1, LIMIT);
    let decades = high - low;
    let ticks = if decades <= 2 {
        let mut ticks: Vec<f64> =
            (low..high).flat_map(|e| [1.0, 2.0, 5.0].map(|multiple| multiple * 10f64.powi(e))).collect();
        ticks.push(10f64.powi(high));
        ticks
    } else {
        let every = (decades + 6) / 7;
        high = low + (decades + every - 1) / every * every;
        (0..=(high - low) / every).map(|i| 10f64.powi(low + i * every)).collect()
    };
    Axis { lo: 10f64.powi(low), hi: 10f64.powi(high), log: true, ticks }
}

/// The opening tag, the chart's `<title>`, a white background and the heading.
fn header(title: &str) -> String {
    let (width, height) = (format!("{WIDTH:.0}"), format!("{HEIGHT:.0}"));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\" fill=\"{INK}\">\n\
         <title>{title}</title>\n\
         <rect class=\"background\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n\
         <text class=\"heading\" x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{title}</text>\n",
        num(WIDTH / 2.0),
        title = escape(title),
    )
}

/// The legend, wrapped onto as many rows as it needs, and the y where it ends.
fn legend(names: &[&str]) -> (String, f64) {
    let mut out = String::from("<g class=\"legend\">\n");
    let (mut x, mut y) = (MARGIN_LEFT, LEGEND_TOP);
    for (rank, name) in names.iter().enumerate() {
        let width = 16.0 + text_width(name) + 18.0;
        if x > MARGIN_LEFT && x + width > WIDTH - MARGIN_RIGHT {
            (x, y) = (MARGIN_LEFT, y + LEGEND_ROW);
        }
        out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>\n",
            num(x),
            num(y - 10.0),
            colour(rank),
            num(x + 16.0),
            num(y),
            escape(name)
        ));
        x += width;
    }
    out.push_str("</g>\n");
    let bottom = if names.is_empty() { LEGEND_TOP - LEGEND_ROW } else { y };
    (out, bottom)
}

/// Horizontal gridlines, y tick labels and the rotated y label.
fn y_axis_svg(plot: &Plot, axis: &Axis, label: &str) -> String {
    let mut out = String::from("<g class=\"y-axis\">\n");
    for &tick in &axis.ticks {
        let y = num(plot.y(axis, tick));
        out.push_str(&format!(
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{GRID}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            num(plot.left),
            num(plot.right),
            num(plot.left - 6.0),
            num(plot.y(axis, tick) + 4.0),
            human(tick)
        ));
    }
    out.push_str(&format!(
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n</g>\n",
        num((plot.top + plot.bottom) / 2.0),
        escape(label)
    ));
    out
}

/// Vertical gridlines, x tick labels and the x label.
fn x_axis_svg(plot: &Plot, axis: &Axis, label: &str) -> String {
    let mut out = String::from("<g class=\"x-axis\">\n");
    for &tick in &axis.ticks {
        let x = num(plot.x(axis, tick));
        out.push_str(&format!(
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"{GRID}\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            num(plot.top),
            num(plot.bottom),
            num(plot.bottom + 16.0),
            human(tick)
        ));
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n</g>\n",
        num((plot.left + plot.right) / 2.0),
        num(plot.bottom + 40.0),
        escape(label)
    ));
    out
}

/// The left and bottom axis lines.
fn frame(plot: &Plot) -> String {
    let (left, top, right, bottom) = (num(plot.left), num(plot.top), num(plot.right), num(plot.bottom));
    format!(
        "<g class=\"frame\" stroke=\"{INK}\">\n<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\"/>\n\
         <line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\"/>\n</g>\n"
    )
}

/// One bar from the baseline to `value_y`, titled `label = value`.
fn bar_rect(x: f64, width: f64, base_y: f64, value_y: f64, fill: &str, label: &str, value: f64) -> String {
    format!(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"><title>{} = {}</title></rect>\n",
        num(x),
        num(base_y.min(value_y)),
        num(width),
        num((base_y - value_y).abs()),
        escape(label),
        exact(value)
    )
}

/// The small "n/a" marker where a bar has no value.
fn not_available(x: f64, base_y: f64, label: &str) -> String {
    format!(
        "<text class=\"na\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#888888\">\
         <title>{} = n/a</title>n/a</text>\n",
        num(x),
        num(base_y - 3.0),
        escape(label)
    )
}

/// One line: its polyline and a titled marker per point.
fn line_svg(plot: &Plot, (x_axis, y_axis): (&Axis, &Axis), name: &str, points: &[(f64, f64)], stroke: &str) -> String {
    let mut out = String::from("<g class=\"line\">\n");
    let coordinates: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (plot.x(x_axis, x), plot.y(y_axis, y))).collect();
    if !coordinates.is_empty() {
        let list: Vec<String> = coordinates.iter().map(|&(x, y)| format!("{},{}", num(x), num(y))).collect();
        out.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\"/>\n",
            list.join(" ")
        ));
    }
    for (&(x, y), &(cx, cy)) in points.iter().zip(&coordinates) {
        out.push_str(&format!(
            "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{stroke}\"><title>{}: x = {}, y = {}</title></circle>\n",
            num(cx),
            num(cy),
            escape(name),
            exact(x),
            exact(y)
        ));
    }
    out.push_str("</g>\n");
    out
}

fn colour(rank: usize) -> &'static str {
    PALETTE[rank % PALETTE.len()]
}

/// A coordinate with two decimals; never NaN, infinite or `-0.00`.
fn num(value: f64) -> String {
    let text = format!("{:.2}", if value.is_finite() { value } else { 0.0 });
    if text == "-0.00" { String::from("0.00") } else { text }
}

/// A value as a reader wants it in a tooltip: whole numbers in full, fractions to four decimals.
fn exact(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{value:.0}") } else { trim_zeros(format!("{value:.4}")) }
}

/// A tick label: `950`, `1.2k`, `34k`, `1.5M`, `2G` (three significant digits at most).
fn human(value: f64) -> String {
    const UNITS: [(f64, &str); 5] = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    let magnitude = value.abs();
    if magnitude == 0.0 || !magnitude.is_finite() {
        return String::from("0");
    }
    if magnitude < 1e-3 {
        return format!("{value:.0e}");
    }
    let (scale, unit) = UNITS.into_iter().find(|(scale, _)| magnitude >= *scale * 0.9995).unwrap_or((1.0, ""));
    let scaled = value / scale;
    let decimals = match scaled.abs() {
        s if s < 1.0 => 3,
        s if s < 10.0 => 2,
        s if s < 100.0 => 1,
        _ => 0,
    };
    trim_zeros(format!("{scaled:.decimals$}")) + unit
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

fn short_label(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        text.to_owned()
    } else {
        text.chars().take(MAX_LABEL_CHARS - 1).chain(['…']).collect()
    }
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// The text with `&`, `<`, `>`, `"` and `'` escaped for XML content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars() -> BarChart {
        BarChart {
            title: String::from("Gas per exit-game function"),
            y_label: String::from("gas"),
            categories: vec![String::from("startExit"), String::from("challengeExit"), String::from("processExits")],
            series: vec![
                Series { name: String::from("mvp"), values: vec![Some(95_000.0), Some(61_250.5), None] },
                Series { name: String::from("cash"), values: vec![Some(120_000.0), Some(0.0), Some(1_500_000.0)] },
            ],
            log_y: false,
        }
    }

    fn lines() -> LineChart {
        LineChart {
            title: String::from("Proof size"),
            x_label: String::from("coins"),
            y_label: String::from("bytes"),
            lines: vec![
                Line { name: String::from("cash"), points: vec![(1.0, 520.0), (10.0, 600.0), (100.0, 700.0)] },
                Line { name: String::from("mvp"), points: vec![(1.0, 300.0), (10.0, 3_000.0), (100.0, 30_000.0)] },
            ],
            log_x: false,
            log_y: false,
        }
    }

    fn titles<'a>(doc: &'a roxmltree::Document, tag: &str, class: &str) -> Vec<&'a str> {
        doc.descendants()
            .filter(|n| n.has_tag_name(tag) && n.attribute("class") == Some(class))
            .map(|n| n.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).unwrap_or(""))
            .collect()
    }

    fn assert_numbers_finite(svg: &str) {
        for bad in ["NaN", "inf"] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
    }

    #[test]
    fn the_same_chart_renders_byte_identical_svg() {
        assert_eq!(bars().to_svg(), bars().to_svg());
        assert_eq!(lines().to_svg(), lines().to_svg());
        let mut log = lines();
        log.log_x = true;
        log.log_y = true;
        assert_eq!(log.to_svg(), log.to_svg());
    }

    #[test]
    fn output_is_well_formed_svg_with_title_and_view_box() {
        for (svg, title) in [(bars().to_svg(), "Gas per exit-game function"), (lines().to_svg(), "Proof size")] {
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let root = doc.root_element();
            assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
            assert_eq!(root.attribute("viewBox"), Some("0 0 760 420"));
            assert_eq!(root.attribute("font-family"), Some("sans-serif"));
            let first = root.first_element_child().unwrap();
            assert!(first.has_tag_name("title"));
            assert_eq!(first.text(), Some(title));
            assert!(!svg.contains("<script") && !svg.contains("<style") && !svg.contains("href"));
            assert_numbers_finite(&svg);
        }
    }

    #[test]
    fn every_bar_is_an_element_with_its_title() {
        let svg = bars().to_svg();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let titles = titles(&doc, "rect", "bar");
        assert_eq!(
            titles,
            [
                "mvp: startExit = 95000",
                "cash: startExit = 120000",
                "mvp: challengeExit = 61250.5",
                "cash: challengeExit = 0",
                "cash: processExits = 1500000",
            ]
        );
        let missing: Vec<_> = doc.descendants().filter(|n| n.attribute("class") == Some("na")).collect();
        assert_eq!(missing.len(), 1);
        assert!(missing[0].children().any(|c| c.text() == Some("mvp: processExits = n/a")));
        // Taller bars for larger values; one colour per series.
        let heights: Vec<f64> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .map(|n| n.attribute("height").unwrap().parse().unwrap())
            .collect();
        assert!(heights[4] > heights[1] && heights[1] > heights[0] && heights[0] > heights[2] && heights[3] == 0.0);
        let fills: Vec<_> =
            doc.descendants().filter(|n| n.attribute("class") == Some("bar")).map(|n| n.attribute("fill")).collect();
        assert_eq!(fills[0], fills[2]);
        assert_ne!(fills[0], fills[1]);
    }

    #[test]
    fn every_point_is_an_element_with_its_title() {
        let svg = lines().to_svg();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let titles = titles(&doc, "circle", "point");
        assert_eq!(titles.len(), 6);
        assert!(titles.contains(&"cash: x = 10, y = 600"));
        assert!(titles.contains(&"mvp: x = 100, y = 30000"));
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("polyline")).count(), 2);
        let legend = doc.descendants().find(|n| n.attribute("class") == Some("legend")).unwrap();
        let names: Vec<_> =
            legend.descendants().filter_map(|n| n.has_tag_name("text").then(|| n.text()).flatten()).collect();
        assert_eq!(names, ["cash", "mvp"]);
    }

    #[test]
    fn log_scales_drop_values_that_are_not_positive() {
        let mut chart = bars();
        chart.log_y = true;
        let svg = chart.to_svg();
        assert_numbers_finite(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let bars = titles(&doc, "rect", "bar");
        assert_eq!(bars.len(), 4);
        assert!(!bars.contains(&"cash: challengeExit = 0"));

        let mut chart = lines();
        chart.log_x = true;
        chart.log_y = true;
        chart.lines[0].points.extend([
            (0.0, 5.0),
            (-1.0, 5.0),
            (5.0, 0.0),
            (5.0, -2.0),
            (f64::NAN, 1.0),
            (1.0, f64::INFINITY),
        ]);
        let svg = chart.to_svg();
        assert_numbers_finite(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(titles(&doc, "circle", "point").len(), 6);
        let ticks: Vec<_> = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("x-axis"))
            .unwrap()
            .children()
            .filter_map(|n| n.has_tag_name("text").then(|| n.text()).flatten())
            .collect();
        assert_eq!(ticks, ["1", "2", "5", "10", "20", "50", "100", "coins"]);
    }

    #[test]
    fn empty_and_constant_charts_render() {
        let empty_bars =
            BarChart { title: String::new(), y_label: String::new(), categories: vec![], series: vec![], log_y: false };
        let empty_lines = LineChart {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            lines: vec![Line { name: String::from("none"), points: vec![] }],
            log_x: true,
            log_y: true,
        };
        let constant = LineChart {
            lines: vec![Line { name: String::from("flat"), points: vec![(3.0, 7.0), (3.0, 7.0)] }],
            ..lines()
        };
        let mut log_empty = empty_bars.clone();
        log_empty.log_y = true;
        for svg in [empty_bars.to_svg(), log_empty.to_svg(), empty_lines.to_svg(), constant.to_svg()] {
            assert_numbers_finite(&svg);
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let ticks = doc
                .descendants()
                .find(|n| n.attribute("class") == Some("y-axis"))
                .unwrap()
                .children()
                .filter(|n| n.has_tag_name("line"))
                .count();
            assert!((4..=8).contains(&ticks), "{ticks} ticks in {svg}");
        }
        let doc_svg = constant.to_svg();
        let doc = roxmltree::Document::parse(&doc_svg).unwrap();
        assert_eq!(titles(&doc, "circle", "point"), ["flat: x = 3, y = 7", "flat: x = 3, y = 7"]);
    }

    #[test]
    fn text_is_escaped() {
        let mut chart = bars();
        chart.title = String::from("a < b & \"c\" > d");
        chart.categories[0] = String::from("<script>");
        chart.series[0].name = String::from("R&D");
        let svg = chart.to_svg();
        assert!(svg.contains("<title>a &lt; b &amp; &quot;c&quot; &gt; d</title>"));
        assert!(!svg.contains("<script>"));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(doc.root_element().first_element_child().unwrap().text(), Some("a < b & \"c\" > d"));
        assert!(titles(&doc, "rect", "bar").contains(&"R&D: <script> = 95000"));
    }

    #[test]
    fn long_category_labels_are_rotated_and_shortened() {
        let mut chart = bars();
        chart.categories = ["a", "a-very-long-function-name-indeed", "c", "d", "e", "f"].map(String::from).to_vec();
        let svg = chart.to_svg();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let labels: Vec<_> = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("categories"))
            .unwrap()
            .children()
            .filter(|n| n.has_tag_name("text"))
            .collect();
        assert!(labels.iter().all(|n| n.attribute("transform").is_some_and(|t| t.starts_with("rotate(-30 "))));
        assert!(svg.contains("<title>a-very-long-function-name-indeed</title>a-very-long-functio…</text>"));
        assert!(!bars().to_svg().contains("rotate(-30"));
    }

    #[test]
    fn linear_ticks_are_nice_and_cover_the_range() {
        let nice = |step: f64| {
            let mantissa = step / 10f64.powf(step.log10().floor());
            [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9)
        };
        for (lo, hi) in [
            (0.0, 950.0),
            (0.0, 1.0),
            (-3.0, 7.5),
            (0.0, 61_250.5),
            (0.0, 1_500_000.0),
            (12.0, 13.0),
            (0.0, 0.3),
            (5.0, 5.0),
        ] {
            let axis = linear_axis(lo, hi);
            assert!((4..=8).contains(&axis.ticks.len()), "{lo}..{hi}: {:?}", axis.ticks);
            assert!(axis.lo <= lo && axis.hi >= hi, "{lo}..{hi}: {axis:?}");
            assert_eq!(axis.ticks.first(), Some(&axis.lo));
            assert_eq!(axis.ticks.last(), Some(&axis.hi));
            assert!(nice(axis.ticks[1] - axis.ticks[0]), "{axis:?}");
        }
        assert_eq!(linear_axis(0.0, 950.0).ticks, [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        for (lo, hi) in [(3.0, 7.0), (20.0, 5e4), (1.0, 1e7), (1e-3, 1e12), (1e-300, 1e300)] {
            let axis = log_axis(lo, hi);
            assert!((4..=8).contains(&axis.ticks.len()), "{lo}..{hi}: {:?}", axis.ticks);
            assert!(axis.lo <= lo && axis.hi >= hi && axis.hi.is_finite(), "{axis:?}");
        }
        assert_eq!(log_axis(20.0, 5e4).ticks, [10.0, 100.0, 1e3, 1e4, 1e5]);
        let exponents: Vec<f64> = log_axis(1e-3, 1e12).ticks.iter().map(|t| t.log10().round()).collect();
        assert_eq!(exponents, [-3.0, 0.0, 3.0, 6.0, 9.0, 12.0]);
    }

    #[test]
    fn tick_labels_are_human() {
        let labels: Vec<_> = [950.0, 1200.0, 34_000.0, 1.5e6, 2e9, 0.0, -2500.0, 0.5, 12_500.0, 999_999.0]
            .into_iter()
            .map(human)
            .collect();
        assert_eq!(labels, ["950", "1.2k", "34k", "1.5M", "2G", "0", "-2.5k", "0.5", "12.5k", "1M"]);
    }
}
