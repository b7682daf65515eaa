//! Where a report is: an address (a street of the ente and a house number) or a point, or both.
//! The map is never needed — an address alone is enough — and a point from outside (a phone's
//! position, an Open311 client's `lat`/`long`) is read as exact microdegrees with checked
//! arithmetic, never as a float that could be NaN or out of range.

/// A point in microdegrees (WGS84): 43.548473 → 43_548_473.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Point {
    pub lat: i64,
    pub lon: i64,
}

/// Why a place is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    #[error("indica dove si trova il problema: un indirizzo o un punto sulla mappa")]
    Nowhere,
    #[error("la coordinata «{0}» non è un numero in gradi decimali (per esempio 43.5485)")]
    BadCoordinate(String),
    /// The longitude (the latitude is `BadCoordinate`).
    #[error("la longitudine «{0}» non è un numero in gradi decimali (per esempio 10.3106)")]
    BadLongitude(String),
    #[error("indica sia la latitudine sia la longitudine")]
    HalfPoint,
    #[error("il punto indicato non è in Italia")]
    OutsideItaly,
    #[error("il punto indicato è fuori dal territorio del comune")]
    OutsideTerritory,
    #[error("scrivi la via o la piazza, senza il numero civico")]
    StreetMissing,
    #[error("il numero civico «{0}» non è valido (per esempio 12 o 12/A)")]
    BadHouseNumber(String),
    #[error("«{street}» non è tra le strade del comune{}", suggestions(.close))]
    UnknownStreet { street: String, close: Vec<String> },
}

fn suggestions(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!(": forse {}?", close.join(", "))
    }
}

impl Point {
    /// Reads a latitude and a longitude in decimal degrees ("43.5485", "-0.5", "10,31").
    pub fn parse(lat: &str, lon: &str) -> Result<Self, PlaceError> {
        if lat.trim().is_empty() || lon.trim().is_empty() {
            return Err(PlaceError::HalfPoint);
        }
        let point = Self {
            lat: microdegrees(lat)?,
            lon: microdegrees(lon).map_err(|e| match e {
                PlaceError::BadCoordinate(c) => PlaceError::BadLongitude(c),
                other => other,
            })?,
        };
        // Italy, with its islands, lies within these bounds; a point outside is a mistake.
        if !(35_000_000..=47_500_000).contains(&point.lat)
            || !(6_000_000..=19_000_000).contains(&point.lon)
        {
            return Err(PlaceError::OutsideItaly);
        }
        Ok(point)
    }

    /// The distance to `other` in metres, on the sphere (equirectangular: exact enough at the
    /// few hundred metres where it is used).
    pub fn metres_to(self, other: Point) -> f64 {
        const EARTH: f64 = 6_371_000.0;
        let rad = |micro: i64| (micro as f64 / 1e6).to_radians();
        let mean_lat = (rad(self.lat) + rad(other.lat)) / 2.0;
        let x = (rad(other.lon) - rad(self.lon)) * mean_lat.cos();
        let y = rad(other.lat) - rad(self.lat);
        (x * x + y * y).sqrt() * EARTH
    }

    /// Decimal degrees with six places, as Open311 and the pages write them.
    pub fn lat_text(self) -> String {
        degrees(self.lat)
    }

    pub fn lon_text(self) -> String {
        degrees(self.lon)
    }
}

fn degrees(micro: i64) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    let abs = micro.unsigned_abs();
    format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
}

/// "43.548473" → 43_548_473; at most six decimals are kept (a tenth of a metre), more are cut.
fn microdegrees(text: &str) -> Result<i64, PlaceError> {
    let bad = || PlaceError::BadCoordinate(text.chars().take(40).collect());
    let t = text.trim().replace(',', ".");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || whole.len() > 3
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 15
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let mut micro = 0i64;
    for (i, b) in fraction.bytes().take(6).enumerate() {
        let place = 10i64.pow(5 - u32::try_from(i).map_err(|_| bad())?);
        micro = micro
            .checked_add(i64::from(b - b'0').checked_mul(place).ok_or_else(bad)?)
            .ok_or_else(bad)?;
    }
    let value = whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(micro))
        .ok_or_else(bad)?;
    Ok(if negative { -value } else { value })
}

/// A street's name folded for comparison: lower case, accents and punctuation gone, the usual
/// abbreviations spelled out («V.le Carducci» = «viale carducci»).
pub fn fold_street(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'À' | 'Á' => 'a',
            'è' | 'é' | 'È' | 'É' => 'e',
            'ì' | 'í' | 'Ì' | 'Í' => 'i',
            'ò' | 'ó' | 'Ò' | 'Ó' => 'o',
            'ù' | 'ú' | 'Ù' | 'Ú' => 'u',
            '\'' | '’' | '.' | ',' | '-' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let spelled = match (i, *w) {
            (0, "v") => "via",
            (0, "vle" | "v le") => "viale",
            (0, "p" | "pza" | "pzza" | "p za" | "p zza") => "piazza",
            (0, "c" | "cso") => "corso",
            (0, "l" | "lgo") => "largo",
            (0, "b" | "bgo") => "borgo",
            (_, w) => w,
        };
        out.push(spelled);
    }
    // «v. le», «p.zza», «c.so», «l.go», «b.go» (split by the dot) are one word.
    let joined = match (out.first().copied(), out.get(1).copied()) {
        (Some("via"), Some("le")) => Some("viale"),
        (Some("piazza"), Some("za" | "zza")) => Some("piazza"),
        (Some("corso"), Some("so")) => Some("corso"),
        (Some("largo"), Some("go")) => Some("largo"),
        (Some("borgo"), Some("go")) => Some("borgo"),
        _ => None,
    };
    if let Some(word) = joined {
        out.splice(0..2, [word]);
    }
    out.join(" ")
}

/// An address as typed, checked: the street (folded for comparison and as written) and the
/// house number if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub street: String,
    pub folded: String,
    pub number: Option<String>,
}

impl Address {
    pub fn parse(street: &str, number: &str) -> Result<Option<Self>, PlaceError> {
        let street = street.trim();
        let number = number.trim();
        if street.is_empty() {
            if number.is_empty() {
                return Ok(None);
            }
            return Err(PlaceError::StreetMissing);
        }
        let number = if number.is_empty() {
            None
        } else {
            // «12», «12/A», «12 bis», «snc» (senza numero civico).
            let ok = number.len() <= 12
                && (number.eq_ignore_ascii_case("snc")
                    || (number.starts_with(|c: char| c.is_ascii_digit())
                        && number
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | ' '))));
            if !ok {
                return Err(PlaceError::BadHouseNumber(
                    number.chars().take(20).collect(),
                ));
            }
            Some(number.to_uppercase())
        };
        let folded = fold_street(street);
        if folded.is_empty() || street.chars().count() > 120 {
            return Err(PlaceError::StreetMissing);
        }
        Ok(Some(Self {
            street: street.split_whitespace().collect::<Vec<_>>().join(" "),
            folded,
            number,
        }))
    }

    /// The address as people write it: «Via Grande 12».
    pub fn text(&self) -> String {
        match &self.number {
            Some(n) => format!("{} {n}", self.street),
            None => self.street.clone(),
        }
    }
}

/// Where a report is. At least one of the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub address: Option<Address>,
    pub point: Option<Point>,
}

impl Place {
    /// Checks an address against the ente's streets, when the ente has said which they are
    /// (`streets` folded, as [`fold_street`] gives them; empty: any street is accepted). The
    /// street is then written as the ente's list writes it.
    pub fn check(
        address: Option<Address>,
        point: Option<Point>,
        streets: &[(String, String)],
    ) -> Result<Self, PlaceError> {
        if address.is_none() && point.is_none() {
            return Err(PlaceError::Nowhere);
        }
        let address = match address {
            Some(mut a) if !streets.is_empty() => {
                match streets.iter().find(|(folded, _)| *folded == a.folded) {
                    Some((_, name)) => {
                        a.street = name.clone();
                        Some(a)
                    }
                    None => {
                        return Err(PlaceError::UnknownStreet {
                            street: a.street.clone(),
                            close: close_streets(&a.folded, streets),
                        })
                    }
                }
            }
            other => other,
        };
        Ok(Self { address, point })
    }
}

/// Up to three of the ente's streets that share the typed street's most telling word.
fn close_streets(folded: &str, streets: &[(String, String)]) -> Vec<String> {
    const KINDS: [&str; 8] = [
        "via", "viale", "piazza", "corso", "largo", "borgo", "vicolo", "scali",
    ];
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| w.len() > 2 && !KINDS.contains(w))
        .collect();
    streets
        .iter()
        .filter(|(f, _)| f.split(' ').any(|w| words.contains(&w)))
        .take(3)
        .map(|(_, name)| name.clone())
        .collect()
}

/// A district of the ente (circoscrizione, quartiere): its streets, its outline, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    pub id: i64,
    pub name: String,
    /// Folded street names.
    pub streets: Vec<String>,
    /// The outline's corners, in order (closed implicitly).
    pub outline: Vec<Point>,
}

impl District {
    /// Whether `point` lies inside the outline (even-odd rule; on an edge counts as inside
    /// one of the two districts that share it).
    pub fn contains(&self, point: Point) -> bool {
        let n = self.outline.len();
        if n < 3 {
            return false;
        }
        let mut inside = false;
        let previous = self.outline.iter().cycle().skip(n - 1);
        for (&a, &b) in self.outline.iter().zip(previous) {
            if (a.lat > point.lat) != (b.lat > point.lat) {
                // x of the edge at the point's latitude, compared without division:
                // point.lon < a.lon + (point.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat)
                let dy = i128::from(b.lat) - i128::from(a.lat);
                let lhs = (i128::from(point.lon) - i128::from(a.lon)) * dy;
                let rhs = (i128::from(point.lat) - i128::from(a.lat))
                    * (i128::from(b.lon) - i128::from(a.lon));
                let left_of_edge = if dy > 0 { lhs < rhs } else { lhs > rhs };
                if left_of_edge {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

/// The district a place belongs to: by its street first (a street list is the office's own
/// word), else by its point.
pub fn district_of<'a>(districts: &'a [District], place: &Place) -> Option<&'a District> {
    if let Some(a) = &place.address {
        if let Some(d) = districts.iter().find(|d| d.streets.contains(&a.folded)) {
            return Some(d);
        }
    }
    let point = place.point?;
    districts.iter().find(|d| d.contains(point))
}

/// Whether `point` may be in the ente's territory. Its districts' outlines mark the territory
/// only when every district has one (districts that partition the municipality, as the
/// circoscrizioni do): then a point inside none is outside. Otherwise (no districts, or some
/// drawn by their streets alone) nothing here knows the boundary, and any point in Italy is
/// taken.
pub fn within_territory(districts: &[District], point: Point) -> bool {
    let drawn = !districts.is_empty() && districts.iter().all(|d| d.outline.len() >= 3);
    !drawn || districts.iter().any(|d| d.contains(point))
}

/// How close an open report of the same category must be to be offered as the same problem.
pub const NEAR_METRES: f64 = 150.0;

/// Whether two places are near enough to be the same problem: the same street (and house
/// numbers, when both have one, within ten of each other), or points within [`NEAR_METRES`].
pub fn near(a: &Place, b: &Place) -> bool {
    if let (Some(p), Some(q)) = (a.point, b.point) {
        if p.metres_to(q) <= NEAR_METRES {
            return true;
        }
    }
    match (&a.address, &b.address) {
        (Some(x), Some(y)) if x.folded == y.folded => {
            let number = |n: &Option<String>| {
                n.as_deref().and_then(|n| {
                    n.split(|c: char| !c.is_ascii_digit())
                        .next()
                        .and_then(|d| d.parse::<i64>().ok())
                })
            };
            match (number(&x.number), number(&y.number)) {
                (Some(i), Some(j)) => (i - j).abs() <= 10,
                _ => true,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_read_exactly_and_checked() {
        let p = Point::parse("43.548473", "10,310567").unwrap();
        assert_eq!(
            p,
            Point {
                lat: 43_548_473,
                lon: 10_310_567
            }
        );
        assert_eq!(p.lat_text(), "43.548473");
        assert_eq!(Point::parse("43.5", "10").unwrap().lon, 10_000_000);
        assert_eq!(
            Point::parse("43.1234567891", "10.1").unwrap().lat,
            43_123_456
        );
        assert_eq!(Point::parse("43.5", " "), Err(PlaceError::HalfPoint));
        assert!(matches!(
            Point::parse("43.5", "10°18'"),
            Err(PlaceError::BadLongitude(_))
        ));
        for bad in [
            "abc",
            "1e3",
            "43.5.1",
            "NaN",
            "inf",
            "-",
            "9999999999999999999",
        ] {
            assert!(
                matches!(Point::parse(bad, "10"), Err(PlaceError::BadCoordinate(_))),
                "{bad}"
            );
        }
        assert_eq!(Point::parse("51.5", "-0.12"), Err(PlaceError::OutsideItaly));
        assert_eq!(degrees(-120_000), "-0.120000");
    }

    #[test]
    fn distances_are_right_at_a_city_scale() {
        // Piazza Grande to the Fortezza Vecchia in Livorno: about 600 m.
        let a = Point::parse("43.550150", "10.308530").unwrap();
        let b = Point::parse("43.552070", "10.301710").unwrap();
        let d = a.metres_to(b);
        assert!((550.0..650.0).contains(&d), "{d}");
        assert_eq!(a.metres_to(a), 0.0);
    }

    #[test]
    fn streets_fold_to_one_spelling() {
        assert_eq!(fold_street("V.le Carducci"), "viale carducci");
        assert_eq!(fold_street("viale  CARDUCCI"), "viale carducci");
        assert_eq!(
            fold_street("P.zza della Repubblica"),
            "piazza della repubblica"
        );
        assert_eq!(
            fold_street("Via dell'Indipendenza"),
            "via dell indipendenza"
        );
        assert_eq!(fold_street("C.so Amedeo"), "corso amedeo");
        assert_eq!(fold_street("Via Città"), "via citta");
    }

    #[test]
    fn addresses_are_checked_against_the_entes_streets() {
        let streets: Vec<(String, String)> = ["Via Grande", "Viale Carducci", "Piazza Attias"]
            .iter()
            .map(|s| (fold_street(s), s.to_string()))
            .collect();
        let a = Address::parse("v.le carducci", "12/a").unwrap();
        let place = Place::check(a, None, &streets).unwrap();
        let a = place.address.unwrap();
        assert_eq!(a.text(), "Viale Carducci 12/A");
        let wrong = Address::parse("Via Carducci", "").unwrap();
        match Place::check(wrong, None, &streets) {
            Err(PlaceError::UnknownStreet { close, .. }) => {
                assert_eq!(close, vec!["Viale Carducci".to_string()])
            }
            other => panic!("{other:?}"),
        }
        // No list: any street.
        let any = Address::parse("Via Nuova", "").unwrap();
        assert!(Place::check(any, None, &[]).is_ok());
        assert_eq!(Place::check(None, None, &streets), Err(PlaceError::Nowhere));
        assert_eq!(Address::parse("", "12"), Err(PlaceError::StreetMissing));
        assert!(matches!(
            Address::parse("Via Grande", "<b>"),
            Err(PlaceError::BadHouseNumber(_))
        ));
        assert_eq!(Address::parse(" ", " "), Ok(None));
    }

    #[test]
    fn a_place_finds_its_district_by_street_then_by_outline() {
        let square = |lat0: i64, lon0: i64| {
            vec![
                Point {
                    lat: lat0,
                    lon: lon0,
                },
                Point {
                    lat: lat0,
                    lon: lon0 + 10_000,
                },
                Point {
                    lat: lat0 + 10_000,
                    lon: lon0 + 10_000,
                },
                Point {
                    lat: lat0 + 10_000,
                    lon: lon0,
                },
            ]
        };
        let districts = vec![
            District {
                id: 1,
                name: "Nord".into(),
                streets: vec!["via grande".into()],
                outline: square(43_560_000, 10_300_000),
            },
            District {
                id: 2,
                name: "Sud".into(),
                streets: vec![],
                outline: square(43_540_000, 10_300_000),
            },
        ];
        let by_street = Place {
            address: Address::parse("Via Grande", "3").unwrap(),
            point: Some(Point {
                lat: 43_545_000,
                lon: 10_305_000,
            }),
        };
        assert_eq!(district_of(&districts, &by_street).map(|d| d.id), Some(1));
        let by_point = Place {
            address: None,
            point: Some(Point {
                lat: 43_545_000,
                lon: 10_305_000,
            }),
        };
        assert_eq!(district_of(&districts, &by_point).map(|d| d.id), Some(2));
        let nowhere = Place {
            address: None,
            point: Some(Point {
                lat: 43_000_000,
                lon: 10_305_000,
            }),
        };
        assert!(district_of(&districts, &nowhere).is_none());
        // Every district drawn: their outlines are the territory.
        assert!(within_territory(&districts, by_point.point.unwrap()));
        assert!(!within_territory(&districts, nowhere.point.unwrap()));
        // One drawn by its streets alone: the boundary is unknown, any point is taken.
        let mut partly = districts.clone();
        partly[0].outline.clear();
        assert!(within_territory(&partly, nowhere.point.unwrap()));
        assert!(within_territory(&[], nowhere.point.unwrap()));
        // A concave outline: an L.
        let l = District {
            id: 3,
            name: "L".into(),
            streets: vec![],
            outline: vec![
                Point { lat: 0, lon: 0 },
                Point { lat: 0, lon: 20 },
                Point { lat: 10, lon: 20 },
                Point { lat: 10, lon: 10 },
                Point { lat: 20, lon: 10 },
                Point { lat: 20, lon: 0 },
            ],
        };
        assert!(l.contains(Point { lat: 5, lon: 15 }));
        assert!(l.contains(Point { lat: 15, lon: 5 }));
        assert!(!l.contains(Point { lat: 15, lon: 15 }));
    }

    #[test]
    fn near_means_the_same_street_and_number_or_a_short_walk() {
        let at = |street: &str, n: &str| Place {
            address: Address::parse(street, n).unwrap(),
            point: None,
        };
        assert!(near(&at("Via Grande", "10"), &at("via grande", "18")));
        assert!(!near(&at("Via Grande", "10"), &at("Via Grande", "40")));
        assert!(near(&at("Via Grande", ""), &at("Via Grande", "40")));
        assert!(!near(&at("Via Grande", "10"), &at("Via Roma", "10")));
        let p = |lat: i64| Place {
            address: None,
            point: Some(Point {
                lat,
                lon: 10_300_000,
            }),
        };
        assert!(near(&p(43_550_000), &p(43_550_900)));
        assert!(!near(&p(43_550_000), &p(43_552_000)));
    }
}
