//! What residents say (issue 19): ratings of pages and services, anonymous and once per session
//! and page, the office's report and answers, «avete detto, abbiamo fatto».

use std::collections::{BTreeMap, HashMap};

use sportello_domain::accountability::month_key;
use sportello_domain::accountability::rating::{self, Rating, Subject};
use sportello_domain::calendar::in_rome;
use sportello_domain::identity::{may, Permission};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, NewRating, RatingRow};

use super::Period;
use crate::capabilities::Accountability;
use crate::crypto::hmac_sha256_b64;
use crate::sessions::StaffPrincipal;
use crate::{AppError, Refusal};

/// What a resident sent: where, and the rating.
#[derive(Debug, Clone)]
pub struct RatingSent<'a> {
    pub ente: EnteId,
    pub subject: Subject,
    /// The page's path (for a page) or the service's id (for a service).
    pub target: &'a str,
    /// The page the rating was given on: once per session and page.
    pub page: &'a str,
    /// The service the page or the rating is about, if any.
    pub service_id: Option<&'a str>,
    /// The session (or pre-session) token the answer is once for.
    pub binding: &'a str,
    pub stars: &'a str,
    pub reason: &'a str,
    pub comment: &'a str,
}

/// Ratings by stars (one to five), and by (positive, follow-up answer).
type StarsAndReasons = ([i64; 5], BTreeMap<(bool, i64), i64>);

/// What the office reads of the ratings over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingSummary {
    pub subject: Subject,
    pub target: String,
    pub title: String,
    pub ratings: i64,
    /// Mean stars and its 95% interval, in hundredths.
    pub mean: Option<(i64, i64, i64)>,
    /// (answer's text, how many) for the follow-up answers given.
    pub reasons: Vec<(&'static str, i64)>,
}

impl Accountability<'_> {
    /// Records a resident's rating: anonymous, once per session and page. `Ok(false)` when this
    /// session rated this page already (nothing is written).
    pub async fn rate(&self, sent: &RatingSent<'_>) -> Result<bool, AppError> {
        let app = self.app;
        if sent.binding.is_empty() {
            return Err(Refusal::RatingRefused(rating::RatingError::Stars).into());
        }
        let r =
            Rating::parse(sent.stars, sent.reason, sent.comment).map_err(Refusal::RatingRefused)?;
        // A service named must be one the ente offers: its office reads the comment.
        let office = match sent.service_id {
            Some(id) => {
                let s = app.catalogue().offered_service(sent.ente, id).await?;
                Some(
                    s.overrides
                        .office
                        .clone()
                        .unwrap_or_else(|| s.definition.scheda.office.clone()),
                )
            }
            None => None,
        };
        let once_key = hmac_sha256_b64(
            &app.keys.csrf,
            format!(
                "rating:{}:{}:{}:{}:{}",
                sent.binding,
                sent.ente.get(),
                sent.subject.code(),
                sent.target,
                sent.page
            )
            .as_bytes(),
        );
        let comment = r.text.as_deref().map(rating::filtered);
        let now = app.now();
        let mut tx = app.store.begin_for(sent.ente).await?;
        let first = tx
            .insert_rating(&NewRating {
                once_key: &once_key,
                subject: sent.subject,
                target: sent.target,
                service_id: sent.service_id,
                office_code: office.as_deref(),
                month: month_key(in_rome(now).date()),
                at: to_millis(now),
                stars: r.stars,
                reason: r.reason,
                comment: comment.as_deref(),
            })
            .await?;
        tx.commit().await?;
        if first {
            tracing::info!(
                subject = sent.subject.code(),
                stars = r.stars,
                "rating received"
            );
        }
        Ok(first)
    }

    /// The ratings of the ente's pages and services over `period`, for the office.
    pub async fn rating_report(
        &self,
        staff: &StaffPrincipal,
        period: Period,
    ) -> Result<Vec<RatingSummary>, AppError> {
        let ente = feedback_ente(staff)?;
        let rows = self
            .app
            .store
            .tenant(ente)
            .rating_counts(period.from, period.to)
            .await?;
        let titles = self.service_titles(ente).await?;
        let mut out: BTreeMap<(String, String), StarsAndReasons> = BTreeMap::new();
        for (subject, target, stars, reason, n) in rows {
            let e = out.entry((subject, target)).or_default();
            if let Some(slot) = usize::try_from(stars)
                .ok()
                .and_then(|s| s.checked_sub(1))
                .and_then(|i| e.0.get_mut(i))
            {
                *slot = slot.saturating_add(n);
            }
            if reason >= 0 {
                let k = e.1.entry((stars >= 4, reason)).or_default();
                *k = k.saturating_add(n);
            }
        }
        Ok(out
            .into_iter()
            .filter_map(|((subject, target), (stars, reasons))| {
                let subject = Subject::parse(&subject).ok()?;
                let title = titles
                    .get(&target)
                    .cloned()
                    .unwrap_or_else(|| target.clone());
                Some(RatingSummary {
                    subject,
                    title,
                    ratings: stars.iter().fold(0i64, |a, b| a.saturating_add(*b)),
                    mean: rating::mean_with_interval(&stars),
                    reasons: reasons
                        .into_iter()
                        .filter_map(|((positive, r), n)| {
                            let stars = if positive { 5 } else { 1 };
                            Some((rating::reason_text(stars, u8::try_from(r).ok()?)?, n))
                        })
                        .collect(),
                    target,
                })
            })
            .collect())
    }

    /// The titles of the services the ente offers, by id.
    pub async fn service_titles(&self, ente: EnteId) -> Result<HashMap<String, String>, AppError> {
        Ok(self
            .app
            .catalogue()
            .offered_services(ente)
            .await?
            .into_iter()
            .map(|s| (s.definition.id, s.definition.title))
            .collect())
    }

    /// The comments the office reads: its open tasks, or every comment.
    pub async fn comments(
        &self,
        staff: &StaffPrincipal,
        open_only: bool,
    ) -> Result<Vec<RatingRow>, AppError> {
        let ente = feedback_ente(staff)?;
        Ok(self
            .app
            .store
            .tenant(ente)
            .rating_comments(open_only, staff.office.as_deref(), 200)
            .await?)
    }

    /// The office answers a comment (which closes its task), for the public or not.
    pub async fn answer(
        &self,
        staff: &StaffPrincipal,
        id: i64,
        answer: &str,
        public: bool,
    ) -> Result<(), AppError> {
        let ente = feedback_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        let Some(row) = tenant.rating(id).await? else {
            return Err(AppError::NotFound);
        };
        if let (Some(mine), Some(theirs)) = (&staff.office, &row.office_code) {
            if mine != theirs {
                return Err(AppError::NotFound);
            }
        }
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(Refusal::TextMissing(crate::error::OfficeText::Answer).into());
        }
        if answer.chars().count() > 2_000 {
            return Err(Refusal::TextTooLong(crate::error::OfficeText::Answer).into());
        }
        if !tenant
            .answer_rating(
                id,
                answer,
                &staff.display_name,
                to_millis(self.app.now()),
                public,
            )
            .await?
        {
            return Err(Refusal::ChangedMeanwhile.into());
        }
        tracing::info!(staff_id = staff.id, public, "a comment was answered");
        Ok(())
    }

    /// «Avete detto, abbiamo fatto»: what residents said and the office answered, newest first.
    pub async fn public_answers(&self, ente: EnteId) -> Result<Vec<RatingRow>, AppError> {
        Ok(self.app.store.tenant(ente).public_answers(100).await?)
    }
}

/// The ente whose feedback `staff` reads (NotFound for anyone who may not).
fn feedback_ente(staff: &StaffPrincipal) -> Result<EnteId, AppError> {
    match staff.ente {
        Some(ente) if may(&staff.roles, Permission::AnswerFeedback) => Ok(ente),
        _ => Err(AppError::NotFound),
    }
}
