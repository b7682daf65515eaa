//! View models: what templates render, made from the app's read models. A template never sees a
//! stored row, so a column renamed or added in the store changes no page, and a page shows only
//! what it was given.

use sportello_app::model::{DailyRegisterRow, EnteRow, OfficeRow, PbDistrictRow, PbProcessRow};
use sportello_domain::participation::Eligibility;

/// An ente as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteView {
    pub name: String,
    pub slug: String,
    pub istat: String,
    pub cadastral: String,
    pub province_name: String,
    pub province_code: String,
    pub population: i64,
}

impl From<&EnteRow> for EnteView {
    fn from(e: &EnteRow) -> Self {
        Self {
            name: e.name.clone(),
            slug: e.slug.clone(),
            istat: e.istat.clone(),
            cadastral: e.cadastral.clone(),
            province_name: e.province_name.clone(),
            province_code: e.province_code.clone(),
            population: e.population,
        }
    }
}

/// An office of an ente.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeView {
    pub code: String,
    pub name: String,
}

impl From<&OfficeRow> for OfficeView {
    fn from(o: &OfficeRow) -> Self {
        Self {
            code: o.code.clone(),
            name: o.name.clone(),
        }
    }
}

/// The offices as a list for a page.
pub fn offices(rows: &[OfficeRow]) -> Vec<OfficeView> {
    rows.iter().map(OfficeView::from).collect()
}

/// A participatory budget, as lists and headings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessView {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub eligibility: Eligibility,
    /// Imported from a past election (pabulib): results only.
    pub historical: bool,
}

impl From<&PbProcessRow> for ProcessView {
    fn from(p: &PbProcessRow) -> Self {
        Self {
            slug: p.slug.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            eligibility: p.eligibility,
            historical: p.historical,
        }
    }
}

/// Processes as a list for a page.
pub fn processes(rows: &[PbProcessRow]) -> Vec<ProcessView> {
    rows.iter().map(ProcessView::from).collect()
}

/// A district of a participatory budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictView {
    pub code: String,
    pub name: String,
}

/// Districts as a list for a page.
pub fn districts(rows: &[PbDistrictRow]) -> Vec<DistrictView> {
    rows.iter()
        .map(|d| DistrictView {
            code: d.code.clone(),
            name: d.name.clone(),
        })
        .collect()
}

/// A daily register of the protocol, as the registry desk lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRegisterView {
    pub day: String,
    pub registrations: i64,
    pub pdf_sha256: String,
}

/// Daily registers as a list for a page.
pub fn daily_registers(rows: &[DailyRegisterRow]) -> Vec<DailyRegisterView> {
    rows.iter()
        .map(|d| DailyRegisterView {
            day: d.day.clone(),
            registrations: d.registrations,
            pdf_sha256: d.pdf_sha256.clone(),
        })
        .collect()
}

/// A value of a form as people read it: an option's label rather than its stored code, a date
/// as 15/12/2026, a box as Sì or No, a file by its name; «—» when nothing was given. The
/// applicant's review page and the office's case page both show values this way.
pub fn shown_value(
    f: &sportello_domain::forms::Field,
    value: Option<&String>,
    files: &[sportello_app::model::FileRow],
) -> String {
    use sportello_domain::forms::FieldKind;
    if f.kind == FieldKind::File {
        return files
            .iter()
            .find(|x| x.field == f.id)
            .map(|x| x.file_name.clone())
            .unwrap_or_else(|| "—".into());
    }
    match value.filter(|v| !v.is_empty()) {
        Some(v) => sportello_domain::forms::shown_text(f, v),
        None => "—".into(),
    }
}

/// A calendar date written out: «2 dicembre 2026» / «2 December 2026». A value that is not an
/// ISO date (`2026-12-02`) is shown as it is.
pub fn long_date(lang: crate::i18n::Lang, iso: &str) -> String {
    const IT: [&str; 12] = [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let Ok(d) = time::Date::parse(iso.trim(), &f) else {
        return iso.to_string();
    };
    let month = usize::from(u8::from(d.month())).saturating_sub(1);
    let names = match lang {
        crate::i18n::Lang::It => IT,
        crate::i18n::Lang::En => EN,
    };
    let name = names.get(month).copied().unwrap_or_default();
    format!("{} {name} {}", d.day(), d.year())
}

#[cfg(test)]
mod date_tests {
    use super::long_date;
    use crate::i18n::Lang;

    #[test]
    fn dates_are_written_out_in_the_language() {
        assert_eq!(long_date(Lang::It, "2026-12-02"), "2 dicembre 2026");
        assert_eq!(long_date(Lang::It, "2027-01-31"), "31 gennaio 2027");
        assert_eq!(long_date(Lang::En, "2026-03-01"), "1 March 2026");
        assert_eq!(long_date(Lang::It, ""), "");
        assert_eq!(long_date(Lang::It, "domani"), "domani");
    }
}
