//! Charts for the theme dashboard, drawn as inline SVG on the server.
//!
//! Each chart is a `<figure>`: a caption, an SVG that scales to its
//! container, and the same numbers as a table inside `<details>` for screen
//! readers and for anyone who would rather read numbers. No script and no
//! `style` attribute (the Content-Security-Policy forbids both): everything
//! is drawn with SVG presentation attributes, so a chart also survives
//! printing and a missing stylesheet.
//!
//! Hidden (suppressed) numbers arrive as `None`. They are never drawn, never
//! guessed at (a line breaks instead of joining across one) and are written
//! as the caller's `hidden_label`, e.g. "fewer than 5".

use maud::{Markup, html};

/// The drawing's width in SVG units. Text sizes are set against it: at the
/// stylesheet's 30rem (480px) 15 units are 20px, and on a 320px phone
/// (288px of content) they are still 12px.
const WIDTH: f64 = 360.0;
const FONT: f64 = 15.0;
const SMALL_FONT: f64 = 14.0;
const LINE_HEIGHT: f64 = 19.0;
/// A generous average glyph width, in ems, for measuring text without fonts.
const GLYPH: f64 = 0.6;

const TEXT_COLOUR: &str = "#0b0c0c";
/// 9:1 on white, for hidden-number labels.
const MUTED: &str = "#484949";
const GRID: &str = "#b1b4b6";
const AXIS: &str = "#505a5f";
/// Okabe–Ito blue, 5.2:1 on white.
const BAR_COLOUR: &str = "#0072B2";

/// Okabe–Ito colours with at least 3:1 contrast on white, black moved up so
/// the first three lines still differ when printed in grey.
const SERIES_COLOURS: [&str; 5] = ["#0072B2", "#D55E00", "#0b0c0c", "#009E73", "#CC79A7"];
/// One dash pattern per series, so lines differ without colour.
const SERIES_DASHES: [Option<&str>; 5] = [None, Some("9 5"), Some("2 4"), Some("12 4 3 4"), Some("5 3")];
const MARKERS: [Marker; 5] = [Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Cross];

const NO_NUMBERS: &str = "No numbers to show yet.";
const TABLE_SUMMARY: &str = "Show the numbers as a table";

/// A horizontal bar chart (one bar per category, its label above it; long
/// labels wrap onto a second line and are then cut short, with the full text
/// in a `<title>`), with the value at the end of each bar. A hidden value
/// draws no bar and writes `hidden_label` instead.
///
/// `values` are matched to `categories` by position; extra items on either
/// side are ignored. With `unit` "%" values are percentages (45.0 is "45%")
/// and the scale runs to 100; any other unit names the numbers in the table
/// header. `id` must be unique on the page: every id in the output starts
/// with it (characters other than letters, digits, `-` and `_` become `-`).
pub fn bar_chart(
    id: &str,
    title: &str,
    categories: &[String],
    values: &[Option<f64>],
    hidden_label: &str,
    unit: &str,
) -> Markup {
    let rows: Vec<(&str, Option<f64>)> =
        categories.iter().zip(values).map(|(category, value)| (category.as_str(), finite(*value))).collect();
    if rows.iter().all(|(_, value)| value.is_none()) {
        return no_numbers(title);
    }
    let id = id_token(id);

    let shown_max = rows.iter().filter_map(|(_, value)| *value).fold(0.0, f64::max);
    let scale_max = if unit == "%" && shown_max <= 100.0 {
        100.0
    } else if shown_max > 0.0 {
        shown_max
    } else {
        1.0
    };
    let widest_value = rows
        .iter()
        .filter_map(|(_, value)| value.map(|v| text_width(&format_value(v, unit), FONT)))
        .fold(0.0, f64::max);
    let bar_room = WIDTH - widest_value - 8.0;

    const BAR_HEIGHT: f64 = 22.0;
    const ROW_GAP: f64 = 14.0;
    let label_chars = chars_that_fit(WIDTH, FONT);
    let mut y = 0.0;
    let mut drawn = Vec::with_capacity(rows.len());
    for (category, value) in &rows {
        let (lines, cut) = wrap(category, label_chars, 2);
        let label_top = y;
        y += lines.len() as f64 * LINE_HEIGHT + 4.0;
        let bar_top = y;
        y += BAR_HEIGHT + ROW_GAP;
        drawn.push((category, value, lines, cut, label_top, bar_top));
    }
    let height = y - ROW_GAP + 2.0;

    let desc = bar_description(title, &rows, hidden_label, unit);
    let svg = html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img"
            aria-labelledby=(format!("{id}-title {id}-desc")) viewBox=(view_box(height)) {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (desc) }
            @for (category, value, lines, cut, label_top, bar_top) in &drawn {
                g {
                    (label_lines(category, lines, *cut, 0.0, *label_top, "start"))
                    @let middle = bar_top + BAR_HEIGHT / 2.0 + FONT * 0.35;
                    @match value {
                        Some(v) => {
                            @let length = (v.max(0.0) / scale_max * bar_room).max(1.0);
                            rect x="0" y=(num(*bar_top)) width=(num(length)) height=(num(BAR_HEIGHT))
                                fill=(BAR_COLOUR) {}
                            text x=(num(length + 6.0)) y=(num(middle)) font-size=(num(FONT)) fill=(TEXT_COLOUR) {
                                (format_value(*v, unit))
                            }
                        }
                        None => {
                            text x="0" y=(num(middle)) font-size=(num(FONT)) font-style="italic" fill=(MUTED) {
                                (hidden_label)
                            }
                        }
                    }
                }
            }
        }
    };

    let table = html! {
        thead {
            tr {
                th scope="col" { "Category" }
                th.num scope="col" { (quantity_name(unit)) }
            }
        }
        tbody {
            @for (category, value) in &rows {
                tr {
                    th scope="row" { (category) }
                    td.num { (value_or_hidden(*value, unit, hidden_label)) }
                }
            }
        }
    };
    figure(title, title, &id, svg, table)
}

/// A chart as a figure: the picture, then its numbers as a table, folded
/// away under [`TABLE_SUMMARY`], whose caption names the chart.
fn figure(title: &str, caption: &str, id: &str, svg: Markup, table: Markup) -> Markup {
    html! {
        figure.chart {
            figcaption { (title) }
            (svg)
            details.chart-numbers {
                summary { (TABLE_SUMMARY) }
                div.chart-table role="region" aria-labelledby=(format!("{id}-caption")) tabindex="0" {
                    table {
                        caption id=(format!("{id}-caption")) { (caption) }
                        (table)
                    }
                }
            }
        }
    }
}

/// One line of a line chart: its name in the legend and one point per x
/// label (`None` where the number is hidden).
pub struct Series {
    pub label: String,
    pub points: Vec<Option<f64>>,
}

/// One line per series over the x labels (e.g. months), y from 0 to `y_max`
/// (or the data's maximum rounded up to a nice number, also when the data
/// goes above `y_max`). A `None` point leaves a gap: the line breaks and is
/// never drawn across a hidden number. Each series has its own colour, dash
/// pattern and point marker, so the legend does not rely on colour alone.
///
/// Points are matched to `x_labels` by position; missing points count as
/// hidden and extra points are ignored. `y_unit` "%" writes values as
/// percentages; any other unit names the y axis. `id` works as in
/// [`bar_chart`].
pub fn line_chart(
    id: &str,
    title: &str,
    x_labels: &[String],
    series: &[Series],
    y_max: Option<f64>,
    y_unit: &str,
    hidden_label: &str,
) -> Markup {
    let columns = x_labels.len();
    let points: Vec<Vec<Option<f64>>> = series
        .iter()
        .map(|line| (0..columns).map(|i| finite(line.points.get(i).copied().flatten())).collect())
        .collect();
    if points.iter().flatten().all(Option::is_none) {
        return no_numbers(title);
    }
    let id = id_token(id);
    let any_hidden = points.iter().flatten().any(Option::is_none);

    let data_max = points.iter().flatten().flatten().copied().fold(0.0, f64::max);
    let top = match y_max {
        Some(max) if max.is_finite() && max > 0.0 && max >= data_max => max,
        _ => nice_ceiling(data_max),
    };
    let step = tick_step(top);
    let ticks: Vec<f64> = (0..).map(|k| k as f64 * step).take_while(|tick| *tick <= top * (1.0 + 1e-9)).collect();

    // Axis labels are cut short if absurdly long; the table has them whole.
    let x_texts: Vec<(String, bool)> = x_labels.iter().map(|label| cut_short(label, 12)).collect();
    let widest_x = x_texts.iter().map(|(text, _)| text_width(text, SMALL_FONT)).fold(0.0, f64::max);
    let widest_tick = ticks.iter().map(|tick| text_width(&format_value(*tick, y_unit), SMALL_FONT)).fold(0.0, f64::max);
    let left = (widest_tick + 8.0).max(widest_x / 2.0).max(24.0);
    let right = WIDTH - (widest_x / 2.0).max(8.0);
    const PLOT_TOP: f64 = 30.0;
    const PLOT_BOTTOM: f64 = 220.0;
    let x_at = |i: usize| {
        if columns == 1 { (left + right) / 2.0 } else { left + (right - left) * i as f64 / (columns - 1) as f64 }
    };
    let y_at = |value: f64| PLOT_BOTTOM - value.max(0.0) / top * (PLOT_BOTTOM - PLOT_TOP);

    // Label every k-th point so labels never overlap, counting back from the
    // most recent, which matters most.
    let spacing = if columns > 1 { (right - left) / (columns - 1) as f64 } else { WIDTH };
    let every = ((widest_x + 10.0) / spacing).ceil().max(1.0) as usize;

    // Runs of consecutive shown points, one path each.
    let runs: Vec<Vec<Vec<(f64, f64)>>> = points
        .iter()
        .map(|line| {
            let mut runs = vec![Vec::new()];
            for (i, point) in line.iter().enumerate() {
                match point {
                    Some(value) => {
                        if let Some(run) = runs.last_mut() {
                            run.push((x_at(i), y_at(*value)));
                        }
                    }
                    None => runs.push(Vec::new()),
                }
            }
            runs.retain(|run| !run.is_empty());
            runs
        })
        .collect();

    let legend_top = PLOT_BOTTOM + 36.0;
    let legend_chars = chars_that_fit(WIDTH - 46.0, FONT);
    let mut y = legend_top;
    let mut legend = Vec::with_capacity(series.len());
    for line in series {
        let (lines, cut) = wrap(&line.label, legend_chars, 2);
        legend.push((&line.label, lines.clone(), cut, y));
        y += lines.len() as f64 * LINE_HEIGHT + 8.0;
    }
    let gap_note = format!("Gap in a line: {hidden_label}");
    let (gap_lines, gap_cut) = wrap(&gap_note, legend_chars, 2);
    let gap_top = y;
    if any_hidden {
        y += gap_lines.len() as f64 * LINE_HEIGHT + 8.0;
    }
    let height = y;

    let desc = line_description(title, x_labels, series, &points, top, y_unit, any_hidden, hidden_label);
    let svg = html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img"
            aria-labelledby=(format!("{id}-title {id}-desc")) viewBox=(view_box(height)) {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (desc) }
            text x="0" y=(num(FONT)) font-size=(num(SMALL_FONT)) font-weight="bold" fill=(TEXT_COLOUR) {
                (quantity_name(y_unit))
            }
            g {
                @for tick in &ticks {
                    @let y = y_at(*tick);
                    line x1=(num(left)) x2=(num(right)) y1=(num(y)) y2=(num(y))
                        stroke=(if *tick == 0.0 { AXIS } else { GRID }) stroke-width="1" {}
                    text x=(num(left - 6.0)) y=(num(y + SMALL_FONT * 0.35)) font-size=(num(SMALL_FONT))
                        text-anchor="end" fill=(TEXT_COLOUR) { (format_value(*tick, y_unit)) }
                }
            }
            g {
                @for (i, (text, cut)) in x_texts.iter().enumerate() {
                    @let x = x_at(i);
                    line x1=(num(x)) x2=(num(x)) y1=(num(PLOT_BOTTOM)) y2=(num(PLOT_BOTTOM + 4.0))
                        stroke=(AXIS) stroke-width="1" {}
                    @if (columns - 1 - i).is_multiple_of(every) {
                        text x=(num(x)) y=(num(PLOT_BOTTOM + 20.0)) font-size=(num(SMALL_FONT))
                            text-anchor="middle" fill=(TEXT_COLOUR) {
                            @if *cut { title { (x_labels[i]) } }
                            (text)
                        }
                    }
                }
            }
            @for (index, line_runs) in runs.iter().enumerate() {
                @let look = SeriesLook::of(index);
                g {
                    @for run in line_runs {
                        @if run.len() > 1 {
                            path d=(path_data(run)) fill="none" stroke=(look.colour) stroke-width="2.5"
                                stroke-linejoin="round" stroke-dasharray=[look.dash] {}
                        }
                        @for (x, y) in run {
                            (look.marker.draw(*x, *y, look.colour))
                        }
                    }
                }
            }
            g {
                @for (index, (label, lines, cut, top)) in legend.iter().enumerate() {
                    @let look = SeriesLook::of(index);
                    @let middle = top + LINE_HEIGHT / 2.0;
                    line x1="0" x2="36" y1=(num(middle)) y2=(num(middle)) stroke=(look.colour)
                        stroke-width="2.5" stroke-dasharray=[look.dash] {}
                    (look.marker.draw(18.0, middle, look.colour))
                    (label_lines(label, lines, *cut, 46.0, *top, "start"))
                }
                @if any_hidden {
                    @let middle = gap_top + LINE_HEIGHT / 2.0;
                    path d=(format!("M0 {m}H11M25 {m}H36", m = num(middle))) fill="none" stroke=(AXIS)
                        stroke-width="2.5" {}
                    (label_lines(&gap_note, &gap_lines, gap_cut, 46.0, gap_top, "start"))
                }
            }
        }
    };

    // The unit goes in the table's caption unless the title already says it.
    let caption = match y_unit {
        "" | "%" => title.to_owned(),
        unit if title.to_lowercase().contains(&unit.to_lowercase()) => title.to_owned(),
        unit => format!("{title} ({unit})"),
    };
    let table = html! {
        thead {
            tr {
                td {}
                @for line in series {
                    th.num scope="col" { (line.label) }
                }
            }
        }
        tbody {
            @for (i, label) in x_labels.iter().enumerate() {
                tr {
                    th scope="row" { (label) }
                    @for line in &points {
                        td.num { (value_or_hidden(line[i], y_unit, hidden_label)) }
                    }
                }
            }
        }
    };
    figure(title, &caption, &id, svg, table)
}

/// How one series is drawn: colour, dash pattern and point marker.
struct SeriesLook {
    colour: &'static str,
    dash: Option<&'static str>,
    marker: Marker,
}

impl SeriesLook {
    /// Past five series the colours and dashes repeat but the marker moves
    /// on, so no two of the first 25 series look alike.
    fn of(index: usize) -> SeriesLook {
        SeriesLook {
            colour: SERIES_COLOURS[index % 5],
            dash: SERIES_DASHES[index % 5],
            marker: MARKERS[(index + index / 5) % 5],
        }
    }
}

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
}

impl Marker {
    /// The marker centred on (x, y), with a white edge so it stands out
    /// where lines cross.
    fn draw(self, x: f64, y: f64, colour: &str) -> Markup {
        const R: f64 = 4.5;
        match self {
            Marker::Circle => html! {
                circle cx=(num(x)) cy=(num(y)) r=(num(R)) fill=(colour) stroke="#fff" stroke-width="1" {}
            },
            Marker::Square => html! {
                rect x=(num(x - R + 0.5)) y=(num(y - R + 0.5)) width=(num(2.0 * R - 1.0)) height=(num(2.0 * R - 1.0))
                    fill=(colour) stroke="#fff" stroke-width="1" {}
            },
            Marker::Triangle => html! {
                polygon points=(points_attr(&[(x, y - R - 1.0), (x + R + 0.5, y + R - 0.5), (x - R - 0.5, y + R - 0.5)]))
                    fill=(colour) stroke="#fff" stroke-width="1" {}
            },
            Marker::Diamond => html! {
                polygon points=(points_attr(&[(x, y - R - 1.0), (x + R + 1.0, y), (x, y + R + 1.0), (x - R - 1.0, y)]))
                    fill=(colour) stroke="#fff" stroke-width="1" {}
            },
            Marker::Cross => html! {
                path d=(format!(
                    "M{} {}L{} {}M{} {}L{} {}",
                    num(x - R), num(y - R), num(x + R), num(y + R), num(x - R), num(y + R), num(x + R), num(y - R)
                )) fill="none" stroke=(colour) stroke-width="2.5" {}
            },
        }
    }
}

/// The calm stand-in for a chart with nothing to draw.
fn no_numbers(title: &str) -> Markup {
    html! {
        figure.chart.chart-empty {
            figcaption { (title) }
            p { (NO_NUMBERS) }
        }
    }
}

/// A label's lines as `<text>` elements from `top` down, with the whole
/// label in a `<title>` (a tooltip) when it had to be cut short.
fn label_lines(full: &str, lines: &[String], cut: bool, x: f64, top: f64, anchor: &str) -> Markup {
    html! {
        @if cut { title { (full) } }
        @for (n, line) in lines.iter().enumerate() {
            text x=(num(x)) y=(num(top + FONT + n as f64 * LINE_HEIGHT - 2.0)) font-size=(num(FONT))
                text-anchor=(anchor) fill=(TEXT_COLOUR) { (line) }
        }
    }
}

fn bar_description(title: &str, rows: &[(&str, Option<f64>)], hidden_label: &str, unit: &str) -> String {
    let largest = rows.iter().filter_map(|(category, value)| value.map(|v| (category, v))).fold(
        None,
        |best: Option<(&&str, f64)>, (category, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((category, v)),
        },
    );
    let hidden = rows.iter().filter(|(_, value)| value.is_none()).count();
    let mut sentence = format!("Bar chart of {title}, {}", count_of(rows.len(), "category", "categories"));
    if let Some((category, value)) = largest {
        sentence.push_str(&format!("; the largest is {category} at {}", format_value(value, unit)));
    }
    if hidden > 0 {
        sentence
            .push_str(&format!("; {} shown as \u{201c}{hidden_label}\u{201d}", count_of(hidden, "number", "numbers")));
    }
    sentence.push('.');
    sentence
}

#[allow(clippy::too_many_arguments)]
fn line_description(
    title: &str,
    x_labels: &[String],
    series: &[Series],
    points: &[Vec<Option<f64>>],
    top: f64,
    y_unit: &str,
    any_hidden: bool,
    hidden_label: &str,
) -> String {
    let span = match (x_labels.first(), x_labels.last()) {
        (Some(first), Some(last)) if x_labels.len() > 1 => format!(" from {first} to {last}"),
        (Some(only), _) => format!(" for {only}"),
        _ => String::new(),
    };
    let names: Vec<&str> = series.iter().map(|line| line.label.as_str()).collect();
    let latest: Vec<String> = series
        .iter()
        .zip(points)
        .filter_map(|(line, values)| {
            values.iter().enumerate().rev().find_map(|(i, value)| {
                value.map(|v| format!("{} {} in {}", line.label, format_value(v, y_unit), x_labels[i]))
            })
        })
        .collect();
    let unit = match y_unit {
        "" | "%" => String::new(),
        unit => format!(" {unit}"),
    };
    let mut sentence = format!(
        "Line chart of {title}{span}, with {}: {}, on a scale from 0 to {}{unit}",
        count_of(series.len(), "line", "lines"),
        join_english(&names),
        format_value(top, y_unit)
    );
    if !latest.is_empty() {
        sentence.push_str(&format!("; the latest shown values are {}", join_english(&latest)));
    }
    if any_hidden {
        sentence.push_str(&format!("; a gap in a line means \u{201c}{hidden_label}\u{201d}"));
    }
    sentence.push('.');
    sentence
}

fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// "A", "A and B", "A, B and C".
fn join_english<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// What the numbers are called in a table header or on the y axis.
fn quantity_name(unit: &str) -> String {
    match unit {
        "%" => "Percentage".to_owned(),
        "" => "Number".to_owned(),
        unit => {
            let mut chars = unit.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
    }
}

fn value_or_hidden(value: Option<f64>, unit: &str, hidden_label: &str) -> String {
    value.map_or_else(|| hidden_label.to_owned(), |v| format_value(v, unit))
}

/// A value as people read it: "45%" when the unit is "%", otherwise the bare
/// number (the unit is in the header).
fn format_value(value: f64, unit: &str) -> String {
    if unit == "%" { format!("{}%", format_number(value)) } else { format_number(value) }
}

/// At most one decimal place, none for whole numbers, thousands separated
/// by commas: 3, 12.5, 1,234.
fn format_number(value: f64) -> String {
    let tenths = (value.abs() * 10.0).round();
    let whole = (tenths / 10.0).trunc() as u64;
    let tenth = (tenths % 10.0) as u8;
    let digits = whole.to_string();
    let mut text = String::with_capacity(digits.len() + 4);
    if value < 0.0 && tenths > 0.0 {
        text.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    if tenth > 0 {
        text.push('.');
        text.push(char::from(b'0' + tenth));
    }
    text
}

/// `value` rounded up to a whole number of [`tick_step`]s, so the y axis
/// ends on a round number (73 → 80 with ticks of 20; 0 → 1).
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let step = tick_step(value);
    (value / step - 1e-9).ceil() * step
}

/// The gap between y ticks: the smallest 1, 2 or 5 × 10ⁿ giving at most
/// five gaps up to `top` (no 2.5, so counts keep whole-number ticks).
fn tick_step(top: f64) -> f64 {
    let rough = top / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|step| *step >= rough * (1.0 - 1e-9)).unwrap_or(rough)
}

fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// Ids may only carry letters, digits, `-` and `_`, so that the
/// space-separated `aria-labelledby` list stays intact.
fn id_token(id: &str) -> String {
    let token: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if token.is_empty() { "chart".to_owned() } else { token }
}

fn view_box(height: f64) -> String {
    format!("0 0 {} {}", num(WIDTH), num(height.ceil()))
}

/// A coordinate with at most one decimal place.
fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == rounded.trunc() { format!("{}", rounded as i64) } else { format!("{rounded:.1}") }
}

fn path_data(run: &[(f64, f64)]) -> String {
    run.iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{} {}", if i == 0 { 'M' } else { 'L' }, num(*x), num(*y)))
        .collect()
}

fn points_attr(points: &[(f64, f64)]) -> String {
    points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect::<Vec<_>>().join(" ")
}

/// A cautious estimate of how wide `text` is drawn: wide glyphs (`%`,
/// capitals, `m`, `w`) count for more than the average.
fn text_width(text: &str, font: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            '%' | 'M' | 'W' | 'm' | 'w' | '\u{2026}' => 0.95,
            c if c.is_uppercase() => 0.72,
            '.' | ',' | ' ' | 'i' | 'l' | 'j' | '\'' | ':' => 0.35,
            _ => GLYPH,
        })
        .sum();
    ems * font
}

fn chars_that_fit(width: f64, font: f64) -> usize {
    ((width / (font * GLYPH)).floor() as usize).max(4)
}

/// `text` cut to `max_chars` with an ellipsis; true if it was cut.
fn cut_short(text: &str, max_chars: usize) -> (String, bool) {
    if text.chars().count() <= max_chars {
        (text.to_owned(), false)
    } else {
        let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        (format!("{}\u{2026}", kept.trim_end()), true)
    }
}

/// Breaks `text` at spaces into lines of at most `max_chars` (splitting a
/// word only when it is longer than a line), keeping at most `max_lines`;
/// the last kept line ends in an ellipsis if anything was left out.
fn wrap(text: &str, max_chars: usize, max_lines: usize) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let word: Vec<char> = word.chars().collect();
        for piece in word.chunks(max_chars) {
            let piece: String = piece.iter().collect();
            let needed = current.chars().count() + usize::from(!current.is_empty()) + piece.chars().count();
            if !current.is_empty() && needed > max_chars {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&piece);
        }
    }
    lines.push(current);
    if lines.len() <= max_lines {
        return (lines, false);
    }
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        let kept: String = last.chars().take(max_chars.saturating_sub(1)).collect();
        *last = format!("{}\u{2026}", kept.trim_end());
    }
    (lines, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn example_bar() -> String {
        bar_chart(
            "themes",
            "Responses by theme",
            &strings(&["Food and drink", "Somewhere safe and warm to live", "School and learning"]),
            &[Some(42.0), None, Some(7.5)],
            "fewer than 5",
            "responses",
        )
        .into_string()
    }

    fn example_line() -> String {
        line_chart(
            "listened",
            "Do you feel listened to?",
            &strings(&["Jan", "Feb", "Mar", "Apr", "May"]),
            &[
                Series {
                    label: "11 to 15".to_owned(),
                    points: vec![Some(40.0), Some(45.0), None, Some(52.0), Some(55.0)],
                },
                Series { label: "16 to 18".to_owned(), points: vec![Some(30.0), None, Some(33.0), None, Some(41.0)] },
            ],
            Some(100.0),
            "%",
            "fewer than 5",
        )
        .into_string()
    }

    /// Checks that every tag is closed in order and that text and attribute
    /// values hold no raw `<`, `>` or stray `&`: enough to show the output
    /// parses the same as HTML and as XML. Returns the first problem.
    fn check_well_formed(markup: &str) -> Result<(), String> {
        const VOID: [&str; 2] = ["br", "meta"];
        let mut open: Vec<String> = Vec::new();
        let mut rest = markup;
        while let Some(start) = rest.find(['<', '>', '&']) {
            check_text(&rest[..start])?;
            rest = &rest[start..];
            if rest.starts_with('>') {
                return Err("raw > in text".to_owned());
            }
            if rest.starts_with('&') {
                let end = rest.find(';').filter(|end| *end <= 10).ok_or("stray & in text")?;
                rest = &rest[end + 1..];
                continue;
            }
            let end = tag_end(rest).ok_or_else(|| format!("unclosed tag at {:.40}", rest))?;
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                match open.pop() {
                    Some(top) if top == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
                continue;
            }
            let name: String = tag.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
            check_attributes(&tag[name.len()..])?;
            if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
                open.push(name);
            }
        }
        check_text(rest)?;
        if open.is_empty() { Ok(()) } else { Err(format!("left open: {open:?}")) }
    }

    fn check_text(text: &str) -> Result<(), String> {
        if text.contains(['<', '>']) { Err(format!("raw bracket in {text:?}")) } else { Ok(()) }
    }

    /// The index of the `>` closing the tag at the start of `text`, outside quotes.
    fn tag_end(text: &str) -> Option<usize> {
        let mut quoted = false;
        for (i, c) in text.char_indices().skip(1) {
            match c {
                '"' => quoted = !quoted,
                '<' if !quoted => return None,
                '>' if !quoted => return Some(i),
                _ => {}
            }
        }
        None
    }

    fn check_attributes(attributes: &str) -> Result<(), String> {
        let mut rest = attributes.trim().trim_end_matches('/').trim();
        while !rest.is_empty() {
            let name_end = rest.find(['=', ' ']).unwrap_or(rest.len());
            let name = &rest[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':') {
                return Err(format!("bad attribute name in {attributes:?}"));
            }
            rest = &rest[name_end..];
            if let Some(value) = rest.strip_prefix("=\"") {
                let end = value.find('"').ok_or("unterminated attribute")?;
                if value[..end].contains(['<', '>']) {
                    return Err(format!("raw bracket in attribute {name}"));
                }
                rest = &value[end + 1..];
            }
            rest = rest.trim_start();
        }
        Ok(())
    }

    /// The part of the output between `<svg` and `</svg>`.
    fn svg_part(markup: &str) -> &str {
        let start = markup.find("<svg").expect("an svg");
        let end = markup.find("</svg>").expect("a closed svg");
        &markup[start..end]
    }

    fn table_part(markup: &str) -> &str {
        let start = markup.find("<table").expect("a table");
        let end = markup.find("</table>").expect("a closed table");
        &markup[start..end]
    }

    /// Values of `attribute="…"` in order.
    fn attribute_values<'a>(markup: &'a str, attribute: &str) -> Vec<&'a str> {
        let needle = format!(" {attribute}=\"");
        markup
            .match_indices(&needle)
            .map(|(at, _)| {
                let value = &markup[at + needle.len()..];
                &value[..value.find('"').unwrap_or(value.len())]
            })
            .collect()
    }

    #[test]
    fn the_checker_catches_broken_markup() {
        assert!(check_well_formed("<svg><rect></svg>").is_err());
        assert!(check_well_formed("<g><text>a < b</text></g>").is_err());
        assert!(check_well_formed("<g>Tom & Jerry</g>").is_err());
        assert!(check_well_formed("<g a=\"1\"><text>a &lt; b &amp; c</text></g>").is_ok());
    }

    #[test]
    fn output_is_well_formed() {
        let hostile = strings(&["<b>bold</b> & \"quoted\"", "a > b"]);
        let outputs = [
            example_bar(),
            example_line(),
            bar_chart("e", "Empty", &[], &[], "fewer than 5", "").into_string(),
            bar_chart("h", "<i>", &hostile, &[Some(1.0), None], "<hidden>", "%").into_string(),
        ];
        for output in &outputs {
            assert_eq!(check_well_formed(output), Ok(()), "{output}");
        }
    }

    #[test]
    fn the_figure_has_its_parts() {
        for output in [example_bar(), example_line()] {
            assert!(output.starts_with("<figure class=\"chart\"><figcaption>"));
            assert!(output.contains("role=\"img\""));
            assert!(output.contains("viewBox=\"0 0 360 "));
            assert!(output.contains("<details class=\"chart-numbers\"><summary>Show the numbers as a table</summary>"));
            assert!(output.contains("<caption id=\""));
            assert!(output.contains("<th scope=\"row\">"));
            assert_eq!(output.matches("<desc").count(), 1);
        }
        assert!(example_bar().contains("aria-labelledby=\"themes-title themes-desc\""));
        assert!(example_bar().contains("<title id=\"themes-title\">Responses by theme</title>"));
    }

    #[test]
    fn a_hidden_value_draws_no_bar_and_shows_the_label() {
        let output = example_bar();
        let svg = svg_part(&output);
        assert_eq!(svg.matches("<rect").count(), 2, "one bar per shown value");
        assert!(svg.contains(">fewer than 5</text>"));
        assert!(table_part(&output).contains("<td class=\"num\">fewer than 5</td>"));
    }

    #[test]
    fn bars_are_in_proportion() {
        let output = bar_chart("b", "B", &strings(&["a", "b"]), &[Some(10.0), Some(5.0)], "x", "").into_string();
        let widths: Vec<f64> =
            attribute_values(svg_part(&output), "width").iter().map(|w| w.parse().unwrap()).collect();
        assert_eq!(widths.len(), 2);
        assert!((widths[0] / widths[1] - 2.0).abs() < 0.01, "{widths:?}");
    }

    #[test]
    fn a_line_breaks_at_a_hidden_point() {
        let output = line_chart(
            "l",
            "L",
            &strings(&["1", "2", "3", "4", "5", "6"]),
            &[Series {
                label: "s".to_owned(),
                points: vec![Some(1.0), Some(2.0), None, Some(4.0), Some(5.0), Some(6.0)],
            }],
            None,
            "",
            "hidden",
        )
        .into_string();
        let svg = svg_part(&output);
        let paths: Vec<&str> = attribute_values(svg, "d")
            .into_iter()
            .filter(|d| d.matches('L').count() >= 1 && !d.contains('H'))
            .collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert_eq!(paths[0].matches('M').count(), 1);
        assert_eq!(paths[0].matches('L').count(), 1, "points 1 and 2 only");
        assert_eq!(paths[1].matches('L').count(), 2, "points 4, 5 and 6 only");
        // One marker (a circle, for the first series) per shown point, and one in the legend.
        assert_eq!(svg.matches("<circle").count(), 5 + 1);
        assert!(svg.contains("Gap in a line: hidden"));
    }

    #[test]
    fn an_isolated_point_is_a_marker_without_a_line() {
        let output = line_chart(
            "l",
            "L",
            &strings(&["1", "2", "3"]),
            &[Series { label: "s".to_owned(), points: vec![None, Some(2.0), None] }],
            None,
            "",
            "hidden",
        )
        .into_string();
        let svg = svg_part(&output);
        assert_eq!(svg.matches("<circle").count(), 1 + 1, "the point and the legend");
        assert!(!attribute_values(svg, "d").iter().any(|d| d.contains('L')));
    }

    #[test]
    fn the_table_holds_every_number() {
        let bar = example_bar();
        let table = table_part(&bar);
        for text in ["<td class=\"num\">42</td>", "<td class=\"num\">7.5</td>", "<td class=\"num\">fewer than 5</td>"] {
            assert!(table.contains(text), "{text}");
        }
        assert_eq!(table.matches("<th scope=\"row\">").count(), 3);

        let line = example_line();
        let table = table_part(&line);
        for value in ["40%", "45%", "52%", "55%", "30%", "33%", "41%"] {
            assert!(table.contains(&format!("<td class=\"num\">{value}</td>")), "{value}");
        }
        assert_eq!(table.matches("fewer than 5").count(), 3);
        assert_eq!(table.matches("<th scope=\"row\">").count(), 5);
        assert_eq!(table.matches("<th class=\"num\" scope=\"col\">").count(), 2);
    }

    #[test]
    fn special_characters_are_escaped() {
        let nasty = "<script>alert(\"x\")</script> & 'friends'";
        let bar = bar_chart("x\"><script>", nasty, &strings(&[nasty]), &[Some(3.0)], nasty, nasty).into_string();
        let line = line_chart(
            "x",
            nasty,
            &strings(&[nasty, "b"]),
            &[Series { label: nasty.to_owned(), points: vec![None, Some(1.0)] }],
            None,
            nasty,
            nasty,
        )
        .into_string();
        for output in [&bar, &line] {
            assert!(!output.contains("<script"), "{output}");
            assert!(output.contains("&lt;script&gt;"));
            assert!(!output.contains("\"x\""));
            assert_eq!(check_well_formed(output), Ok(()));
        }
    }

    #[test]
    fn there_is_no_style_attribute() {
        let empty = line_chart("e", "E", &[], &[], None, "", "h").into_string();
        for output in [example_bar(), example_line(), empty] {
            let lower = output.to_lowercase();
            assert!(
                !lower.contains(" style=") && !lower.contains("\tstyle=") && !lower.contains("\nstyle="),
                "{output}"
            );
            assert!(!output.to_lowercase().contains("<style"));
            assert!(!output.to_lowercase().contains("<script"));
        }
    }

    #[test]
    fn every_id_starts_with_the_chart_id_and_references_resolve() {
        for (id, output) in [("themes", example_bar()), ("listened", example_line())] {
            let ids = attribute_values(&output, "id");
            assert_eq!(ids.len(), 3, "title, desc and table caption");
            assert!(ids.iter().all(|found| found.starts_with(&format!("{id}-"))), "{ids:?}");
            let references = attribute_values(&output, "aria-labelledby");
            assert_eq!(references.len(), 2, "the svg and the table's scrolling region");
            for reference in references.iter().flat_map(|list| list.split(' ')) {
                assert!(ids.contains(&reference), "{reference}");
            }
        }
        let odd = bar_chart("my chart\"", "T", &strings(&["a"]), &[Some(1.0)], "h", "").into_string();
        assert!(odd.contains("aria-labelledby=\"my-chart--title my-chart--desc\""));
    }

    #[test]
    fn empty_or_all_hidden_data_shows_a_calm_message() {
        let outputs = [
            bar_chart("a", "Nothing", &[], &[], "fewer than 5", "").into_string(),
            bar_chart("b", "Nothing", &strings(&["a", "b"]), &[None, None], "fewer than 5", "").into_string(),
            bar_chart("c", "Nothing", &strings(&["a"]), &[Some(f64::NAN)], "fewer than 5", "").into_string(),
            line_chart("d", "Nothing", &[], &[], None, "", "fewer than 5").into_string(),
            line_chart("e", "Nothing", &strings(&["Jan"]), &[], None, "", "fewer than 5").into_string(),
            line_chart(
                "f",
                "Nothing",
                &strings(&["Jan", "Feb"]),
                &[Series { label: "s".to_owned(), points: vec![None] }],
                None,
                "",
                "fewer than 5",
            )
            .into_string(),
        ];
        for output in &outputs {
            assert!(output.contains("No numbers to show yet."), "{output}");
            assert!(!output.contains("<svg"));
            assert!(!output.contains("fewer than 5"));
        }
    }

    #[test]
    fn zero_is_a_number_not_nothing() {
        let output = bar_chart("z", "Z", &strings(&["a"]), &[Some(0.0)], "hidden", "").into_string();
        assert!(output.contains("<svg"));
        assert!(svg_part(&output).contains(">0</text>"));
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(12.04), "12");
        assert_eq!(format_number(0.96), "1");
        assert_eq!(format_number(1234.0), "1,234");
        assert_eq!(format_number(1_234_567.25), "1,234,567.3");
        assert_eq!(format_number(-0.01), "0");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_value(45.0, "%"), "45%");
        assert_eq!(format_value(45.0, "responses"), "45");
    }

    #[test]
    fn the_y_axis_ends_on_a_round_number() {
        assert_eq!(nice_ceiling(73.0), 80.0);
        assert_eq!(nice_ceiling(100.0), 100.0);
        assert_eq!(nice_ceiling(7.0), 8.0);
        assert_eq!(nice_ceiling(3.0), 3.0);
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(1234.0), 1500.0);
        assert_eq!(tick_step(100.0), 20.0);
        let over = line_chart(
            "o",
            "O",
            &strings(&["a", "b"]),
            &[Series { label: "s".to_owned(), points: vec![Some(130.0), Some(20.0)] }],
            Some(100.0),
            "%",
            "h",
        )
        .into_string();
        assert!(over.contains(">150%</text>"), "the axis grows past a y_max the data exceeds");
        let fixed = example_line();
        assert!(fixed.contains(">100%</text>") && fixed.contains(">0%</text>"));
    }

    #[test]
    fn long_labels_wrap_then_are_cut_with_the_full_text_in_a_title() {
        let long = "Being kept safe and having someone looking out for me at home, at school and everywhere else I go";
        let output = bar_chart("w", "W", &strings(&[long]), &[Some(9.0)], "h", "").into_string();
        let svg = svg_part(&output);
        assert!(svg.contains(&format!("<title>{long}</title>")));
        assert!(svg.contains('\u{2026}'));
        assert!(table_part(&output).contains(long));

        let (lines, cut) = wrap("one two three", 7, 2);
        assert_eq!((lines, cut), (strings(&["one two", "three"]), false));
        let (lines, cut) = wrap("one two three four", 7, 2);
        assert!(cut);
        assert_eq!(lines[0], "one two");
        assert!(lines[1].ends_with('\u{2026}') && lines[1].chars().count() <= 7, "{lines:?}");
        let (lines, _) = wrap("abcdefghij", 4, 3);
        assert_eq!(lines, strings(&["abcd", "efgh", "ij"]));
    }

    #[test]
    fn series_look_different_without_colour() {
        let looks: Vec<(Option<&str>, usize)> =
            (0..5).map(SeriesLook::of).map(|look| (look.dash, look.marker as usize)).collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert!(a.0 != b.0 && a.1 != b.1);
            }
        }
    }
}
