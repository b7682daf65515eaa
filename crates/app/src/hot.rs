//! What filing an application reads on every request, kept in this process's memory: the ente
//! named in the address (by ISTAT code; by slug for its home page), the adopted service
//! (parsed), the ente's main AOO and its calendar. On a click day every request would otherwise
//! read the same four rows and parse the same service definition; each read is a round trip to
//! the database driver's thread and back.
//!
//! Coherence: entries live at most [`TTL`]; this process drops them at once when it changes
//! them itself. A filing made with an adopted service read before another process changed it is
//! still never registered under the old rules: the registrar compares, inside the registering
//! transaction, the stamp of the service the request used with the stored one, and a filing made
//! under a stale one is checked again against the current one (see `registrar.rs`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sportello_domain::procedure::deadlines::HolidayCalendar;
use sportello_domain::tenancy::EnteId;
use sportello_store::{AdoptedServiceRow, EnteRow};

use crate::applications::OfferedService;
use crate::{App, AppError};

/// How long an entry serves before it is read again.
pub const TTL: Duration = Duration::from_secs(1);

/// The most entes whose offered services are kept at once.
const OFFERED_KEPT: usize = 16;

/// An adopted service as filing uses it, with the stamp of the rows it was read from.
#[derive(Debug)]
pub(crate) struct HotService {
    pub offered: OfferedService,
    pub stamp: u64,
}

/// The stamp of an adoption: a hash of the stored definition and overrides, the same in every
/// process.
pub(crate) fn stamp(row: &AdoptedServiceRow) -> u64 {
    // FNV-1a: stable across processes and builds, unlike the standard library's hasher.
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    row.definition.hash(&mut h);
    row.overrides.hash(&mut h);
    row.version.hash(&mut h);
    h.finish()
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Timed<T> = (Instant, T);
type ServiceKey = (i64, String);

#[derive(Debug, Default)]
pub(crate) struct HotCache {
    enti: Mutex<HashMap<String, Timed<EnteRow>>>,
    slugs: Mutex<HashMap<String, Timed<EnteRow>>>,
    ids: Mutex<HashMap<i64, Timed<EnteRow>>>,
    services: Mutex<HashMap<ServiceKey, Timed<Arc<HotService>>>>,
    offered: Mutex<HashMap<i64, Timed<Arc<Vec<OfferedService>>>>>,
    aoo: Mutex<HashMap<i64, Timed<(i64, String)>>>,
    calendars: Mutex<HashMap<i64, Timed<HolidayCalendar>>>,
    outline: Mutex<HashMap<(), Timed<Arc<CatalogueOutline>>>>,
}

/// What a list of applications shows of each service of the regional catalogue, by id: its
/// title, how many steps its form has (a draft resumes where it stopped), and the order of its
/// parts (a filing lists them so).
#[derive(Debug, Default)]
pub(crate) struct CatalogueOutline {
    pub titles: std::collections::BTreeMap<String, (String, usize)>,
    pub part_order: std::collections::BTreeMap<String, Vec<String>>,
}

fn fresh<K: Eq + Hash, V: Clone>(map: &Mutex<HashMap<K, Timed<V>>>, key: &K) -> Option<V> {
    let guard = map.lock().ok()?;
    guard
        .get(key)
        .filter(|(at, _)| at.elapsed() < TTL)
        .map(|(_, v)| v.clone())
}

fn keep<K: Eq + Hash, V>(map: &Mutex<HashMap<K, Timed<V>>>, key: K, value: V) {
    if let Ok(mut guard) = map.lock() {
        // Bounded by the region's enti and services; stale entries go when the map grows.
        if guard.len() > 4096 {
            guard.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        guard.insert(key, (Instant::now(), value));
    }
}

impl HotCache {
    /// Forgets everything: this process changed an adoption, a service or an ente.
    pub(crate) fn clear(&self) {
        if let Ok(mut m) = self.enti.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.slugs.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.ids.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.services.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.offered.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.aoo.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.calendars.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.outline.lock() {
            m.clear();
        }
    }

    pub(crate) fn forget_service(&self, ente: EnteId, service_id: &str) {
        if let Ok(mut m) = self.services.lock() {
            m.remove(&(ente.get(), service_id.to_string()));
        }
        if let Ok(mut m) = self.offered.lock() {
            m.remove(&ente.get());
        }
    }
}

/// The value under `key`: from `map` when kept less than [`TTL`] ago, else from `load` (a
/// future, so nothing is read when the value is fresh), then kept.
async fn through<K, V>(
    map: &Mutex<HashMap<K, Timed<V>>>,
    key: K,
    load: impl std::future::Future<Output = Result<V, AppError>>,
) -> Result<V, AppError>
where
    K: Eq + Hash,
    V: Clone,
{
    if let Some(value) = fresh(map, &key) {
        return Ok(value);
    }
    let value = load.await?;
    keep(map, key, value.clone());
    Ok(value)
}

impl App {
    /// The ente with this ISTAT code, from memory when read less than [`TTL`] ago.
    pub async fn ente_by_istat_hot(&self, istat: &str) -> Result<EnteRow, AppError> {
        through(&self.hot.enti, istat.to_string(), self.ente_by_istat(istat)).await
    }

    /// The ente at this address (`/livorno/`), from memory when read less than [`TTL`] ago:
    /// on a click day its home page is the one everybody reloads.
    pub async fn ente_by_slug_hot(&self, slug: &str) -> Result<EnteRow, AppError> {
        through(&self.hot.slugs, slug.to_string(), self.ente_by_slug(slug)).await
    }

    /// The ente with this id, from memory when read less than [`TTL`] ago: every staff page
    /// wears its ente's header.
    pub async fn ente_by_id_hot(&self, id: EnteId) -> Result<EnteRow, AppError> {
        through(&self.hot.ids, id.get(), self.ente_by_id(id)).await
    }

    /// The adopted service, parsed, with its stamp.
    pub(crate) async fn offered_service_hot(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<Arc<HotService>, AppError> {
        through(&self.hot.services, (ente.get(), id.to_string()), async {
            let row = self.adopted_row(ente, id).await?;
            Ok(Arc::new(HotService {
                offered: crate::applications::offered(&row)?,
                stamp: stamp(&row),
            }))
        })
        .await
    }

    /// Every service the ente offers, parsed: the catalogue's pages, the office's queue and the
    /// dashboards list them on every request, and reading and parsing a hundred definitions
    /// each time cost milliseconds. A list weighs a couple of megabytes, so at most
    /// [`OFFERED_KEPT`] entes' are kept: a pass over the whole region (the open data, the jobs)
    /// does not hold 273 of them.
    pub(crate) async fn offered_services_hot(
        &self,
        ente: EnteId,
    ) -> Result<Arc<Vec<OfferedService>>, AppError> {
        if let Some(list) = fresh(&self.hot.offered, &ente.get()) {
            return Ok(list);
        }
        let list = Arc::new(
            self.store
                .tenant(ente)
                .adopted_services()
                .await?
                .iter()
                .map(crate::applications::offered)
                .collect::<Result<Vec<_>, _>>()?,
        );
        if let Ok(mut kept) = self.hot.offered.lock() {
            kept.retain(|_, (at, _)| at.elapsed() < TTL);
            if kept.len() >= OFFERED_KEPT {
                kept.clear();
            }
            kept.insert(ente.get(), (Instant::now(), list.clone()));
        }
        Ok(list)
    }

    /// The regional catalogue's outline (titles, steps, parts' order): every resident's list
    /// of applications names its services, and reading and parsing the whole catalogue's
    /// definitions on each visit cost milliseconds.
    pub(crate) async fn catalogue_outline_hot(&self) -> Result<Arc<CatalogueOutline>, AppError> {
        through(&self.hot.outline, (), async {
            let mut outline = CatalogueOutline::default();
            for s in self.store.services().await? {
                let Ok(d) = serde_json::from_str::<sportello_domain::catalogue::ServiceDefinition>(
                    &s.definition,
                ) else {
                    continue;
                };
                if !d.parts.is_empty() {
                    outline.part_order.insert(
                        s.id.clone(),
                        d.parts.iter().map(|p| p.service.clone()).collect(),
                    );
                }
                outline.titles.insert(s.id, (d.title, d.form.steps.len()));
            }
            Ok(Arc::new(outline))
        })
        .await
    }

    /// The ente's main AOO (id, code).
    pub(crate) async fn main_aoo_hot(&self, ente: EnteId) -> Result<(i64, String), AppError> {
        through(&self.hot.aoo, ente.get(), async {
            Ok(self.store.tenant(ente).main_aoo().await?)
        })
        .await
    }

    /// The ente's calendar.
    pub(crate) async fn ente_calendar_hot(
        &self,
        ente: EnteId,
    ) -> Result<HolidayCalendar, AppError> {
        through(&self.hot.calendars, ente.get(), self.ente_calendar(ente)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(definition: &str, overrides: &str) -> AdoptedServiceRow {
        AdoptedServiceRow {
            id: "s".into(),
            version: 1,
            definition: definition.into(),
            overrides: overrides.into(),
        }
    }

    #[test]
    fn the_stamp_changes_with_the_definition_or_the_overrides_and_is_stable() {
        let a = stamp(&row("{\"a\":1}", "{}"));
        assert_eq!(a, stamp(&row("{\"a\":1}", "{}")));
        assert_ne!(a, stamp(&row("{\"a\":2}", "{}")));
        assert_ne!(a, stamp(&row("{\"a\":1}", "{\"quota\":2}")));
        // Moving a character from one part to the other changes it too.
        assert_ne!(stamp(&row("ab", "c")), stamp(&row("a", "bc")));
    }

    #[test]
    fn entries_expire() {
        let m: Mutex<HashMap<i64, Timed<i64>>> = Mutex::default();
        keep(&m, 1, 10);
        assert_eq!(fresh(&m, &1), Some(10));
        if let Ok(mut g) = m.lock() {
            if let Some(e) = g.get_mut(&1) {
                e.0 = Instant::now().checked_sub(TTL * 2).unwrap_or(e.0);
            }
        }
        assert_eq!(fresh(&m, &1), None);
    }
}
