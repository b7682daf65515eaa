//! The debate: comments and replies per project, facilitators, reports and moderation.

use super::*;
use crate::capabilities::Participation;

/// Reports by different people that hide a comment until a moderator decides.
pub const REPORT_THRESHOLD: i64 = 3;

/// A project with its debate.
#[derive(Debug, Clone)]
pub struct PbProjectDebate {
    pub process: PbProcess,
    pub project: PbProjectRow,
    pub images: Vec<sportello_store::PbImageRow>,
    pub comments: Vec<sportello_store::PbCommentRow>,
}

impl Participation<'_> {
    /// A project page: the project and its comments (hidden ones are returned too, for the page
    /// to show them as hidden).
    pub async fn pb_project(
        &self,
        ente: &EnteRow,
        slug: &str,
        number: i64,
    ) -> Result<PbProjectDebate, AppError> {
        let process = self.app.participation().pb_process(ente, slug).await?;
        let project = process
            .projects
            .iter()
            .find(|p| p.number == number)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let comments = self
            .app
            .store
            .tenant(ente.ente_id())
            .pb_comments(&process.row.id, number)
            .await?;
        let images = self
            .app
            .store
            .tenant(ente.ente_id())
            .pb_project_images(&project.id)
            .await?;
        Ok(PbProjectDebate {
            images,
            process,
            project,
            comments,
        })
    }
    /// An image of a project: its bytes and media type.
    pub async fn pb_project_image(
        &self,
        ente: &EnteRow,
        slug: &str,
        number: i64,
        position: i64,
    ) -> Result<(Vec<u8>, String), AppError> {
        let d = self
            .app
            .participation()
            .pb_project(ente, slug, number)
            .await?;
        let image = d
            .images
            .into_iter()
            .find(|i| i.position == position)
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .app
            .blobs
            .get(&image.digest)
            .await
            .map_err(crate::blobs::read_error)?;
        Ok((bytes, image.media_type))
    }
    /// A comment, or a reply to one, during the debate.
    pub async fn comment_pb(
        &self,
        ente: &EnteRow,
        slug: &str,
        who: &CitizenIdentity,
        number: i64,
        parent: Option<&str>,
        body: &str,
    ) -> Result<(), AppError> {
        // An assisted session reaches the operator's ente alone.
        crate::sessions::reaches_ente(who, ente.ente_id())?;
        let debate = self
            .app
            .participation()
            .pb_project(ente, slug, number)
            .await?;
        if !debate.process.is_open(Phase::Debate) {
            return Err(AppError::from(ParticipationError::DebateClosed));
        }
        if !debate.project.status.is_on_ballot() {
            return Err(AppError::from(ParticipationError::DebateOnlyOnBallot));
        }
        self.app
            .participation()
            .pb_eligibility(ente, &debate.process, who)
            .await?;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 2000 {
            return Err(AppError::from(ParticipationError::CommentInvalid));
        }
        if let Some(p) = parent {
            let ok = debate
                .comments
                .iter()
                .any(|c| c.id == p && c.parent_id.is_none() && !c.hidden);
            if !ok {
                return Err(AppError::from(ParticipationError::ReplyTarget));
            }
        }
        let hash = self.app.person_hash(&debate.process.row, &who.fiscal_code);
        let tenant = self.app.store.tenant(ente.ente_id());
        let facilitator = tenant.pb_facilitator(&debate.process.row.id, &hash).await?;
        let initial = who
            .family_name
            .chars()
            .next()
            .map(|c| format!(" {c}."))
            .unwrap_or_default();
        tenant
            .insert_pb_comment(
                &random_token(12),
                &debate.process.row.id,
                number,
                parent,
                &hash,
                &format!("{}{initial}", who.given_name),
                facilitator.as_deref(),
                body,
                to_millis(self.app.now()),
            )
            .await?;
        Ok(())
    }
    /// A report of abuse; at `REPORT_THRESHOLD` different people the comment is hidden until a
    /// moderator decides. Reporting twice counts once.
    pub async fn report_pb_comment(
        &self,
        ente: &EnteRow,
        slug: &str,
        who: &CitizenIdentity,
        comment: &str,
    ) -> Result<(), AppError> {
        // An assisted session reaches the operator's ente alone.
        crate::sessions::reaches_ente(who, ente.ente_id())?;
        let process = self.app.participation().pb_process(ente, slug).await?;
        let hash = self.app.person_hash(&process.row, &who.fiscal_code);
        self.app
            .store
            .tenant(ente.ente_id())
            .report_pb_comment(&process.row.id, comment, &hash, REPORT_THRESHOLD)
            .await
            .map_err(not_found_if_absent)?;
        Ok(())
    }
    /// The ente's operators and administrators (and the region's): they review proposals,
    /// moderate the debate and record how chosen projects are carried out.
    pub fn may_moderate(staff: &StaffPrincipal, ente: &EnteRow) -> bool {
        use sportello_domain::identity::{may, Permission};
        crate::may_administer(staff, ente.ente_id())
            || (staff.ente == Some(ente.ente_id())
                && may(&staff.roles, Permission::ModerateParticipation))
    }
    /// How many people are on a process's eligible list.
    pub async fn pb_eligible_count(
        &self,
        ente: &EnteRow,
        process: &PbProcess,
    ) -> Result<i64, AppError> {
        Ok(self
            .app
            .store
            .tenant(ente.ente_id())
            .pb_eligible_count(&process.row.id)
            .await?)
    }
    pub async fn pb_to_moderate(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
    ) -> Result<Vec<sportello_store::PbCommentRow>, AppError> {
        if !Self::may_moderate(staff, ente) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        Ok(self
            .app
            .store
            .tenant(ente.ente_id())
            .pb_comments_to_moderate(&process.row.id)
            .await?)
    }
    /// A moderator keeps a reported comment (shown again for good) or removes it.
    pub async fn moderate_pb(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
        comment: &str,
        keep: bool,
    ) -> Result<(), AppError> {
        if !Self::may_moderate(staff, ente) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        self.app
            .store
            .tenant(ente.ente_id())
            .moderate_pb_comment(&process.row.id, comment, keep)
            .await
            .map_err(not_found_if_absent)
    }
    /// Marks a person (by codice fiscale) as facilitator of the debate for an association.
    pub async fn set_pb_facilitator(
        &self,
        staff: &StaffPrincipal,
        ente: &EnteRow,
        slug: &str,
        fiscal_code: &str,
        organisation: &str,
    ) -> Result<(), AppError> {
        if !crate::may_administer(staff, ente.ente_id()) {
            return Err(AppError::NotFound);
        }
        let process = self.app.participation().pb_process(ente, slug).await?;
        let cf = italian_ids::CodiceFiscale::parse(fiscal_code.trim()).map_err(|_| {
            ParticipationError::FacilitatorCodeInvalid {
                value: fiscal_code.trim().to_owned(),
            }
        })?;
        let organisation = organisation.trim();
        if organisation.is_empty() {
            return Err(AppError::from(
                ParticipationError::FacilitatorOrganisationMissing,
            ));
        }
        let hash = self.app.person_hash(&process.row, cf.as_str());
        self.app
            .store
            .tenant(ente.ente_id())
            .set_pb_facilitator(&process.row.id, &hash, organisation)
            .await?;
        Ok(())
    }
    pub async fn pb_facilitators(
        &self,
        ente: &EnteRow,
        process: &PbProcess,
    ) -> Result<Vec<String>, AppError> {
        Ok(self
            .app
            .store
            .tenant(ente.ente_id())
            .pb_facilitator_names(&process.row.id)
            .await?)
    }
}
