//! The cases of one filing (procedimento unico) as the applicant's and the office's pages list
//! them: `templates/_related_cases.html`.

use crate::context::Ctx;

/// One case of the filing, as a line of the table.
pub struct RelatedLine {
    pub title: String,
    pub office: String,
    pub state: &'static str,
    /// The due date, dd/mm/yyyy, or a dash.
    pub due: String,
    /// Where its page is; none for the page being read.
    pub href: Option<String>,
    pub is_filing: bool,
}

/// The lines for the page of case `current`, each linking to `href(id)`.
pub fn lines(
    ctx: &Ctx,
    related: &[sportello_app::RelatedCase],
    current: &str,
    href: impl Fn(&str) -> String,
) -> Vec<RelatedLine> {
    related
        .iter()
        .map(|r| RelatedLine {
            title: super::services::title_in(ctx, &r.service_id, &r.service_title),
            office: r.office.clone(),
            state: crate::i18n::state_of(ctx.lang(), r.state, r.on_filing),
            due: r
                .due
                .map_or_else(|| "—".to_string(), super::services::it_date),
            href: (r.id != current).then(|| href(&r.id)),
            is_filing: r.is_filing,
        })
        .collect()
}
