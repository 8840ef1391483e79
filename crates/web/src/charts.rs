//! Charts drawn on the server as SVG, so they need no JavaScript and print
//! as they look. Each is an image with a title and a description that say
//! what it shows; the page always gives the same numbers in a table beside
//! it, which is what a screen reader user reads.

use std::fmt::Write;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;
/// NHS blue: over 3:1 against white, as graphics need (WCAG 1.4.11).
const LINE: &str = "#005eb8";
const TEXT: &str = "#212b32";
const GRID: &str = "#aeb7bd";

/// Text made safe inside SVG markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number as an axis or point label: no trailing ".0".
pub fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// What every chart says about itself.
#[derive(Debug, Clone)]
pub struct ChartText<'a> {
    /// Unique on the page: the title and description are found by it.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
}

fn open(out: &mut String, text: &ChartText<'_>) {
    let id = escape(text.id);
    let _ = write!(
        out,
        "<svg class=\"lw-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" focusable=\"false\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(text.title),
        escape(text.description)
    );
}

/// Horizontal grid lines with their values, at `ticks` steps from `low`
/// to `high`; returns the function placing a value on the y axis.
fn y_axis(out: &mut String, low: f64, high: f64, ticks: usize) -> impl Fn(f64) -> f64 + use<> {
    let span = if high > low { high - low } else { 1.0 };
    let plot = HEIGHT - TOP - BOTTOM;
    let y = move |v: f64| TOP + plot * (1.0 - (v - low) / span);
    for i in 0..=ticks {
        let value = low + span * i as f64 / ticks as f64;
        let at = y(value);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{at:.1}\" y2=\"{at:.1}\" stroke=\"{GRID}\" stroke-width=\"1\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"14\" fill=\"{TEXT}\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 8.0,
            at + 5.0,
            number(value)
        );
    }
    y
}

/// A line through `points` (label under the x axis, value), on a y axis
/// from `low` to `high`.
pub fn line_chart(text: &ChartText<'_>, points: &[(String, f64)], low: f64, high: f64) -> String {
    let mut out = String::new();
    open(&mut out, text);
    let y = y_axis(&mut out, low, high, 4);
    let plot = WIDTH - LEFT - RIGHT;
    let step = plot / points.len().max(1) as f64;
    let x = |i: usize| LEFT + step * (i as f64 + 0.5);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let _ = write!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{LINE}\" stroke-width=\"3\"/>",
        path.join(" ")
    );
    for (i, (label, value)) in points.iter().enumerate() {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{LINE}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" fill=\"{TEXT}\">{}</text>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{TEXT}\">{}</text>",
            x(i),
            y(*value),
            x(i),
            y(*value) - 10.0,
            number(*value),
            x(i),
            HEIGHT - BOTTOM + 20.0,
            escape(label)
        );
    }
    out.push_str("</svg>");
    out
}

/// Vertical bars, one per `(label, value)`, from zero to `high`.
pub fn bar_chart(text: &ChartText<'_>, bars: &[(String, f64)], high: f64) -> String {
    let mut out = String::new();
    open(&mut out, text);
    let y = y_axis(&mut out, 0.0, high.max(1.0), 4);
    let plot = WIDTH - LEFT - RIGHT;
    let step = plot / bars.len().max(1) as f64;
    let width = (step * 0.6).min(80.0);
    for (i, (label, value)) in bars.iter().enumerate() {
        let centre = LEFT + step * (i as f64 + 0.5);
        let top = y(*value);
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{LINE}\"/>\
             <text x=\"{centre:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" fill=\"{TEXT}\">{}</text>\
             <text x=\"{centre:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{TEXT}\">{}</text>",
            centre - width / 2.0,
            (y(0.0) - top).max(0.0),
            top - 6.0,
            number(*value),
            HEIGHT - BOTTOM + 20.0,
            escape(label)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> ChartText<'static> {
        ChartText {
            id: "lonely",
            title: "Loneliness <score>",
            description: "From 9 to 5 & falling",
        }
    }

    #[test]
    fn a_chart_names_itself_and_escapes_what_it_is_given() {
        let svg = line_chart(
            &text(),
            &[("1 Mar".into(), 9.0), ("<script>".into(), 5.0)],
            3.0,
            9.0,
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"lonely-title lonely-desc\""));
        assert!(svg.contains("<title id=\"lonely-title\">Loneliness &lt;score&gt;</title>"));
        assert!(svg.contains("From 9 to 5 &amp; falling"));
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }

    #[test]
    fn points_sit_higher_for_higher_values_and_bars_grow_from_zero() {
        let svg = line_chart(&text(), &[("a".into(), 3.0), ("b".into(), 9.0)], 3.0, 9.0);
        let ys: Vec<f64> = svg
            .split("<circle")
            .skip(1)
            .map(|c| {
                let at = c.find("cy=\"").unwrap() + 4;
                c[at..at + c[at..].find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(ys[1] < ys[0], "9 is drawn above 3: {ys:?}");
        assert_eq!(ys[0], HEIGHT - BOTTOM);
        assert_eq!(ys[1], TOP);
        let bars = bar_chart(&text(), &[("none".into(), 0.0), ("ten".into(), 10.0)], 10.0);
        assert!(bars.contains("height=\"0.0\""));
        assert!(bars.contains(&format!("height=\"{:.1}\"", HEIGHT - TOP - BOTTOM)));
    }
}
