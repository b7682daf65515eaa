//! The public list's map, drawn by the server as SVG: the ente's districts by their outlines
//! and the listed reports that have a point. No tiles and no script — a map service cannot be
//! reached from every deployment, and the page must work without JavaScript; the list below it
//! stays the way to read and open each report (the map is a picture of where they are).

use sportello_app::reports::ReportView;
use sportello_domain::reports::District;

use crate::context::Ctx;

/// The drawing's largest width and height in its own units; the area's shape is kept.
const WIDTH: f64 = 640.0;
const MAX_HEIGHT: f64 = 560.0;

/// A map ready for the template.
pub struct ReportsMap {
    pub width: i64,
    pub height: i64,
    /// (name, the outline as SVG points, the label's x and y)
    pub districts: Vec<(String, String, i64, i64)>,
    /// (x, y, «2026-0042 — Buca in via Grande», open)
    pub pins: Vec<(i64, i64, String, bool)>,
    /// What the picture shows, in words.
    pub description: String,
}

/// The map of these districts and reports; none when nothing has a place to draw.
pub fn of(ctx: &Ctx, districts: &[District], reports: &[ReportView]) -> Option<ReportsMap> {
    let placed: Vec<&ReportView> = reports.iter().filter(|r| r.place.point.is_some()).collect();
    let outlined: Vec<&District> = districts.iter().filter(|d| d.outline.len() >= 3).collect();
    // No report listed: no map (the outlines alone say nothing of this list).
    if reports.is_empty() || (placed.is_empty() && outlined.is_empty()) {
        return None;
    }
    // Microdegrees to degrees.
    let deg = |v: i64| v as f64 / 1_000_000.0;
    let mut lats: Vec<f64> = Vec::new();
    let mut lons: Vec<f64> = Vec::new();
    for d in &outlined {
        for p in &d.outline {
            lats.push(deg(p.lat));
            lons.push(deg(p.lon));
        }
    }
    for r in &placed {
        if let Some(p) = r.place.point {
            lats.push(deg(p.lat));
            lons.push(deg(p.lon));
        }
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut south, mut north, mut west, mut east) =
        (min(&lats), max(&lats), min(&lons), max(&lons));
    // A margin, and at least a few hundred metres across.
    let pad_lat = ((north - south) * 0.06).max(0.002);
    let pad_lon = ((east - west) * 0.06).max(0.002);
    south -= pad_lat;
    north += pad_lat;
    west -= pad_lon;
    east += pad_lon;
    // Equirectangular at the area's middle latitude: a degree of longitude is shorter.
    let shrink = ((south + north) / 2.0).to_radians().cos().max(0.1);
    let across = (east - west) * shrink;
    let tall = north - south;
    // As wide as the column, unless the area is tall: then as tall as a screen, its shape kept.
    let scale = (WIDTH / across).min(MAX_HEIGHT / tall);
    let width = across * scale;
    let height = tall * scale;
    let x = |lon: f64| ((lon - west) * shrink * scale).round() as i64;
    let y = |lat: f64| ((north - lat) * scale).round() as i64;
    let districts_drawn = outlined
        .iter()
        .map(|d| {
            let points = d
                .outline
                .iter()
                .map(|p| format!("{},{}", x(deg(p.lon)), y(deg(p.lat))))
                .collect::<Vec<_>>()
                .join(" ");
            let n = d.outline.len() as f64;
            let cx = d.outline.iter().map(|p| deg(p.lon)).sum::<f64>() / n;
            let cy = d.outline.iter().map(|p| deg(p.lat)).sum::<f64>() / n;
            (d.name.clone(), points, x(cx), y(cy))
        })
        .collect();
    let pins: Vec<(i64, i64, String, bool)> = placed
        .iter()
        .filter_map(|r| {
            let p = r.place.point?;
            Some((
                x(deg(p.lon)),
                y(deg(p.lat)),
                format!("{} — {}", r.code, r.row.subject),
                r.state.is_open(),
            ))
        })
        .collect();
    let open = pins.iter().filter(|p| p.3).count();
    let description = crate::pages::services::fill(
        ctx.t("reports.map_description"),
        &[
            &pins.len().to_string(),
            &open.to_string(),
            &reports.len().saturating_sub(placed.len()).to_string(),
        ],
    );
    Some(ReportsMap {
        width: width.round() as i64,
        height: height.round() as i64,
        districts: districts_drawn,
        pins,
        description,
    })
}
