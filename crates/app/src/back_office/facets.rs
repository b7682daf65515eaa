//! The queue's facets counted together: how many cases a filter lets through, and how many by
//! state, by service and by assignee, each with the other facets' filters applied.

use std::collections::BTreeMap;

use sportello_store::{AssigneeFilter, QueueFacet, QueueFilter, SampleGroup};

use super::QUEUE_COUNT_CAP;
use crate::capabilities::BackOffice;
use crate::sessions::StaffPrincipal;
use crate::AppError;

/// A facet's counts: each value found with its cases, or `None` past [`QUEUE_COUNT_CAP`].
pub type FacetCounts = Option<Vec<(String, usize)>>;

/// Every count the queue's page shows for one filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFacets {
    /// The cases the whole filter lets through (`None`: more than the cap).
    pub all: Option<usize>,
    /// By shown state, with the service and assignee filters.
    pub states: FacetCounts,
    /// By service, with the state and assignee filters.
    pub services: FacetCounts,
    /// By assignee («» for nobody), with the state and service filters.
    pub assignees: FacetCounts,
}

/// `filter` without the filter of `facet`: what that facet's own counts are taken over.
fn without(filter: &QueueFilter, facet: QueueFacet) -> QueueFilter {
    match facet {
        QueueFacet::State => QueueFilter {
            state: None,
            ..filter.clone()
        },
        QueueFacet::Service => QueueFilter {
            service: None,
            ..filter.clone()
        },
        QueueFacet::Assignee => QueueFilter {
            assignee: AssigneeFilter::Anyone,
            ..filter.clone()
        },
    }
}

/// Whether `filter` chooses a value of `facet`.
fn chooses(filter: &QueueFilter, facet: QueueFacet) -> bool {
    match facet {
        QueueFacet::State => filter.state.is_some(),
        QueueFacet::Service => filter.service.is_some(),
        QueueFacet::Assignee => filter.assignee != AssigneeFilter::Anyone,
    }
}

const FACETS: [QueueFacet; 3] = [QueueFacet::State, QueueFacet::Service, QueueFacet::Assignee];

/// Whether the cases of a group pass `filter`'s choice of `facet` (none chosen: every case
/// does).
fn passes(filter: &QueueFilter, facet: QueueFacet, found: &SampleGroup) -> bool {
    match facet {
        QueueFacet::State => filter.state.as_deref().is_none_or(|s| s == found.state),
        QueueFacet::Service => filter.service.as_deref().is_none_or(|s| s == found.service),
        QueueFacet::Assignee => match filter.assignee {
            AssigneeFilter::Anyone => true,
            AssigneeFilter::Nobody => found.assignee.is_empty(),
            AssigneeFilter::Person(id) => found.assignee == id.to_string(),
        },
    }
}

/// How many cases a facet's counts hold.
fn cases_of<'a>(counts: impl Iterator<Item = &'a (String, usize)>) -> usize {
    counts.fold(0usize, |t, (_, n)| t.saturating_add(*n))
}

/// How many cases the groups hold.
fn cases_in<'a>(groups: impl Iterator<Item = &'a SampleGroup>) -> usize {
    groups.fold(0usize, |t, g| {
        t.saturating_add(usize::try_from(g.cases).unwrap_or(0))
    })
}

/// The counts of `facet` among every case found: the cases passing the other facets'
/// filters, by their value of `facet`, in the values' order.
fn tally(filter: &QueueFilter, facet: QueueFacet, every: &[SampleGroup]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for found in every {
        if FACETS
            .iter()
            .filter(|f| **f != facet)
            .all(|f| passes(filter, *f, found))
        {
            let key = match facet {
                QueueFacet::State => &found.state,
                QueueFacet::Service => &found.service,
                QueueFacet::Assignee => &found.assignee,
            };
            let n = counts.entry(key.as_str()).or_default();
            *n = n.saturating_add(usize::try_from(found.cases).unwrap_or(0));
        }
    }
    counts
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect()
}

impl BackOffice<'_> {
    /// The counts of the office's queue for `filter`: in all, and by each facet with the
    /// others' filters applied, as [`Self::office_queue_counts`] counts each.
    ///
    /// A search of every case (concluded ones too) is counted from one sample of the cases it
    /// finds, without the facets' own filters: at most [`QUEUE_COUNT_CAP`] + 1 of them, read
    /// once for the four counts. Within the cap the sample is every case found and each count
    /// is exact; past it, a count whose filters are the sample's is «more than the cap», and
    /// only a count narrowed by a facet chosen is read apart. Without such a search each facet
    /// is read exactly (the counts kept as cases move, or the open cases' own index for the
    /// open views), and the total is the state facet's.
    pub async fn office_queue_facets(
        &self,
        staff: &StaffPrincipal,
        filter: &QueueFilter,
    ) -> Result<QueueFacets, AppError> {
        let summed =
            |c: FacetCounts| c.map(|c| c.iter().fold(0usize, |t, (_, n)| t.saturating_add(*n)));
        if filter.search.is_none() || filter.open_only {
            let states = self.facet_apart(staff, filter, QueueFacet::State).await?;
            // Counted exactly here (kept, or the open cases'): the total is the state facet's,
            // of the state chosen or of every state.
            let all = match (&states, &filter.state) {
                (Some(states), None) => Some(cases_of(states.iter())),
                (Some(states), Some(chosen)) => {
                    Some(cases_of(states.iter().filter(|(k, _)| k == chosen)))
                }
                (None, _) => summed(
                    self.office_queue_counts(staff, filter, QueueFacet::State)
                        .await?,
                ),
            };
            return Ok(QueueFacets {
                all,
                states,
                services: self.facet_apart(staff, filter, QueueFacet::Service).await?,
                assignees: self
                    .facet_apart(staff, filter, QueueFacet::Assignee)
                    .await?,
            });
        }
        let ente = super::office_ente(staff)?;
        let cap = i64::try_from(QUEUE_COUNT_CAP).unwrap_or(i64::MAX);
        let base = self.app.today_in(&QueueFilter {
            state: None,
            service: None,
            assignee: AssigneeFilter::Anyone,
            ..filter.clone()
        });
        let every = self.app.store.tenant(ente).queue_sample(&base, cap).await?;
        if cases_in(every.iter()) <= QUEUE_COUNT_CAP {
            return Ok(QueueFacets {
                all: Some(cases_in(
                    every
                        .iter()
                        .filter(|found| FACETS.iter().all(|f| passes(filter, *f, found))),
                )),
                states: Some(tally(filter, QueueFacet::State, &every)),
                services: Some(tally(filter, QueueFacet::Service, &every)),
                assignees: Some(tally(filter, QueueFacet::Assignee, &every)),
            });
        }
        // More than the cap found: a count narrowed by no facet is the sample's, past the cap.
        let narrowed = |but: Option<QueueFacet>| {
            FACETS
                .iter()
                .any(|f| Some(*f) != but && chooses(filter, *f))
        };
        let mut facets = QueueFacets {
            all: None,
            states: None,
            services: None,
            assignees: None,
        };
        if narrowed(None) {
            facets.all = summed(
                self.office_queue_counts(staff, filter, QueueFacet::State)
                    .await?,
            );
        }
        if narrowed(Some(QueueFacet::State)) {
            facets.states = self.facet_apart(staff, filter, QueueFacet::State).await?;
        }
        if narrowed(Some(QueueFacet::Service)) {
            facets.services = self.facet_apart(staff, filter, QueueFacet::Service).await?;
        }
        if narrowed(Some(QueueFacet::Assignee)) {
            facets.assignees = self
                .facet_apart(staff, filter, QueueFacet::Assignee)
                .await?;
        }
        Ok(facets)
    }

    /// One facet's counts read on their own: over `filter` without the facet's own filter.
    async fn facet_apart(
        &self,
        staff: &StaffPrincipal,
        filter: &QueueFilter,
        facet: QueueFacet,
    ) -> Result<FacetCounts, AppError> {
        self.office_queue_counts(staff, &without(filter, facet), facet)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(state: &str, service: &str, assignee: &str) -> SampleGroup {
        SampleGroup {
            state: state.into(),
            service: service.into(),
            assignee: assignee.into(),
            cases: 1,
        }
    }

    #[test]
    fn each_facet_is_counted_with_the_other_facets_filters_only() {
        let mut every = vec![
            found("protocollata", "a", ""),
            found("protocollata", "b", "7"),
            found("in_istruttoria", "a", "7"),
            found("accolta", "a", "8"),
        ];
        let filter = QueueFilter {
            service: Some("a".into()),
            assignee: AssigneeFilter::Person(7),
            ..QueueFilter::default()
        };
        // By state: service a and assignee 7 → one case.
        assert_eq!(
            tally(&filter, QueueFacet::State, &every),
            vec![("in_istruttoria".to_string(), 1)]
        );
        // By service: assignee 7 (any service) → a and b.
        assert_eq!(
            tally(&filter, QueueFacet::Service, &every),
            vec![("a".to_string(), 1), ("b".to_string(), 1)]
        );
        // By assignee: service a (anyone) → nobody, 7, 8.
        assert_eq!(
            tally(&filter, QueueFacet::Assignee, &every),
            vec![
                ("".to_string(), 1),
                ("7".to_string(), 1),
                ("8".to_string(), 1)
            ]
        );
        let nobody = QueueFilter {
            assignee: AssigneeFilter::Nobody,
            ..QueueFilter::default()
        };
        assert!(passes(&nobody, QueueFacet::Assignee, &every[0]));
        assert!(!passes(&nobody, QueueFacet::Assignee, &every[1]));
        assert!(chooses(&nobody, QueueFacet::Assignee));
        assert!(!chooses(&nobody, QueueFacet::State));
        // A group counts its cases.
        if let Some(g) = every.get_mut(2) {
            g.cases = 40;
        }
        assert_eq!(
            tally(&filter, QueueFacet::State, &every),
            vec![("in_istruttoria".to_string(), 40)]
        );
        assert_eq!(cases_in(every.iter()), 43);
    }
}
