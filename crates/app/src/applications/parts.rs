//! A filing's parts (procedimento unico, `ServiceDefinition::parts`): the cases one filing
//! opens besides its own, each checked against its own service's form and handed to the
//! registrar with the filing (docs/design/catalogue.md).

use std::sync::Arc;

use sportello_domain::catalogue::{Part, ServiceDefinition};
use sportello_domain::forms::{FieldError, Values};
use sportello_domain::identity::CitizenIdentity;
use sportello_domain::tenancy::EnteId;
use sportello_store::FileRow;

use super::filing::opened_state;
use super::to_json;
use crate::{App, AppError};

/// A part a filing opens: as the ente offers its service, with its values (the identity's
/// among them) and what its own form finds wrong, named by the filing's fields.
pub(crate) struct OpenPart<'a> {
    pub part: &'a Part,
    pub service: Arc<crate::hot::HotService>,
    pub values: Values,
    pub errors: Vec<FieldError>,
}

impl App {
    /// The parts a filing of `service` with these values opens.
    pub(crate) async fn open_parts<'a>(
        &self,
        ente: EnteId,
        service: &'a ServiceDefinition,
        who: &CitizenIdentity,
        values: &Values,
    ) -> Result<Vec<OpenPart<'a>>, AppError> {
        let today = self.now().date();
        let mut out = Vec::new();
        for part in service
            .parts
            .iter()
            .filter(|p| p.applies(&service.form, values))
        {
            let hot = self.offered_service_hot(ente, &part.service).await?;
            let form = &hot.offered.definition.form;
            let values = super::drafts::with_identity(form, who, today, &part.values(form, values));
            let errors = part.errors_on_bundle(form.validate_all(&values, today));
            out.push(OpenPart {
                part,
                service: hot,
                values,
                errors,
            });
        }
        Ok(out)
    }

    /// [`Self::open_parts`]'s errors not already among `errors` (the filing's own form may
    /// have found the same field wrong).
    pub(crate) async fn part_errors(
        &self,
        ente: EnteId,
        service: &ServiceDefinition,
        who: &CitizenIdentity,
        values: &Values,
        errors: &mut Vec<FieldError>,
    ) -> Result<(), AppError> {
        for open in self.open_parts(ente, service, who, values).await? {
            for e in open.errors {
                if !errors.iter().any(|o| o.field == e.field) {
                    errors.push(e);
                }
            }
        }
        Ok(())
    }

    /// What the registrar writes for each part a filing opens, from the values as filed and
    /// the files the filing holds.
    pub(crate) async fn part_works(
        &self,
        ente: EnteId,
        service: &ServiceDefinition,
        who: &CitizenIdentity,
        clean: &Values,
        files: &[&FileRow],
    ) -> Result<Vec<crate::registrar::PartWork>, AppError> {
        let mut filed = clean.clone();
        for f in files {
            filed.insert(f.field.clone(), f.sha256.clone());
        }
        let mut works = Vec::new();
        for open in self.open_parts(ente, service, who, &filed).await? {
            let definition = &open.service.offered.definition;
            let opened = opened_state(definition.regime)?;
            works.push(crate::registrar::PartWork {
                opened_state: opened,
                term_days: super::filing::term_days_on_filing(definition.regime, opened),
                id: crate::crypto::time_ordered_id(self.now()),
                service_id: definition.id.clone(),
                service_version: i64::from(definition.version),
                clean_json: to_json(&definition.form.clean(&open.values))?,
                files: open
                    .part
                    .files(&definition.form, &open.values)
                    .into_iter()
                    .map(|(mine, theirs)| (mine.to_string(), theirs.to_string()))
                    .collect(),
            });
        }
        Ok(works)
    }

    /// The cases filing `id` opened besides its own, for its receipt.
    pub(crate) async fn filing_parts(
        &self,
        ente: EnteId,
        id: &str,
    ) -> Result<Vec<crate::cases::RelatedCase>, AppError> {
        let mut related = self.related_cases(ente, id).await?;
        related.retain(|c| !c.is_filing);
        Ok(related)
    }
}
