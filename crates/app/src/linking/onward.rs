//! Referring a person onward to a service, and closing the loop: the
//! partner's answers (signed in, or from a one-time email link), what
//! needs the link worker's attention, and chasing partners who have not
//! answered.

use chrono::Duration;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::casework::TaskKind;
use linkwork_domain::consent::{self, Consent, ConsentKind};
use linkwork_domain::linking::*;
use linkwork_domain::message::{Channel, Message};
use linkwork_domain::organisation::OrgKind;
use linkwork_domain::referral::{Referral, ReferralReference};
use linkwork_domain::role::{Permission, Role};
use linkwork_domain::time::now;
use linkwork_domain::user::UserStatus;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{ConsentId, OnwardReferralId, OrgId, ReferralId, TaskId, Timestamp};
use linkwork_storage::{
    AnswerLink, AttentionFilter, CaseworkChanges, InboxFilter, OnwardEvent, OnwardItem, Page,
    PageRequest, UserFilter,
};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::secrets::{random_token, token_hash};

/// An onward referral as its partner sees it.
#[derive(Debug, Clone)]
pub struct PartnerView {
    pub onward: OnwardReferral,
    pub reference: ReferralReference,
    pub history: Vec<OnwardEvent>,
    /// The person has since withdrawn consent to share with this partner:
    /// what was shared is no longer shown.
    pub consent_withdrawn: bool,
}

/// Where an onward referral to a service goes.
#[derive(Debug, Clone)]
pub struct OnwardTarget {
    pub service: linkwork_domain::directory::Service,
    /// Who runs it, for the person's consent.
    pub organisation: String,
    /// The community partner whose inbox it goes to.
    pub partner: Option<linkwork_domain::organisation::Organisation>,
    /// Otherwise the address it is emailed to; with neither, the person can
    /// only be given the service's details.
    pub email: Option<String>,
    /// The person withdrew consent to share with this partner.
    pub consent_withdrawn: bool,
    /// Why no referral can be made to it.
    pub refused: Option<String>,
}

/// A case's support: its onward referrals, each with its history, and
/// the shortlists the person was given.
#[derive(Debug, Clone)]
pub struct CaseSupport {
    pub view: crate::casework::CaseView,
    /// Newest first, each with its history (oldest first).
    pub onward: Vec<(OnwardReferral, Vec<OnwardEvent>)>,
}

/// What an answer link's page may show: the referral's reference and the
/// service's name, and whether the answer can still be given.
#[derive(Debug, Clone)]
pub struct LinkAnswer {
    pub reference: ReferralReference,
    pub service_name: String,
    pub answer: PartnerAnswerKind,
    /// Why the link cannot be used, if it cannot.
    pub refused: Option<String>,
}

fn event(
    onward: &OnwardReferral,
    at: Timestamp,
    actor: (Option<linkwork_domain::UserId>, String),
    summary: String,
    note: Option<String>,
) -> OnwardEvent {
    OnwardEvent {
        id: Uuid::new_v4(),
        onward_id: onward.id,
        at,
        actor_user_id: actor.0,
        actor_label: actor.1,
        summary,
        note,
    }
}

impl App {
    /// Where an onward referral to `service_id` would go for the person of
    /// a case, for the form and for sending it.
    pub async fn onward_target(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        service_id: Uuid,
    ) -> AppResult<(crate::casework::CaseView, OnwardTarget)> {
        let view = self.case(p, referral_id).await?;
        let target = self.target(&view, service_id).await?;
        Ok((view, target))
    }

    async fn target(
        &self,
        view: &crate::casework::CaseView,
        service_id: Uuid,
    ) -> AppResult<OnwardTarget> {
        let service = self.directory_service(service_id).await?;
        let partner = self.partner_for(service.organization_id).await?;
        let email = match &partner {
            Some(_) => None,
            None => service
                .email
                .clone()
                .or_else(|| service.contacts.iter().find_map(|c| c.email.clone()))
                .or_else(|| service.organization.as_ref().and_then(|o| o.email.clone())),
        };
        let consents = self.store.consents(view.person.id).await?;
        let consent_withdrawn = partner.as_ref().is_some_and(|org| {
            consent::current(&consents).iter().any(|c| {
                c.kind == ConsentKind::Share && c.partner_org_id == Some(org.id) && !c.given
            })
        });
        let refused =
            (service.status != linkwork_domain::directory::ServiceStatus::Active).then(|| {
                format!(
                    "{} is {}: choose a service that is running",
                    service.name,
                    service.status.label().to_lowercase()
                )
            });
        Ok(OnwardTarget {
            organisation: partner
                .as_ref()
                .map(|o| o.name.clone())
                .or_else(|| service.organization.as_ref().map(|o| o.name.clone()))
                .unwrap_or_else(|| service.name.clone()),
            service,
            partner,
            email,
            consent_withdrawn,
            refused,
        })
    }

    /// A case with its onward referrals' histories, for the "Support" page.
    pub async fn case_support(&self, p: &Principal, id: ReferralId) -> AppResult<CaseSupport> {
        let view = self.case(p, id).await?;
        let mut onward = Vec::with_capacity(view.file.onward.len());
        for o in &view.file.onward {
            onward.push((o.clone(), self.store.onward_history(o.id).await?));
        }
        Ok(CaseSupport { view, onward })
    }

    /// The community partner organisation whose users keep a directory
    /// organisation's listings, if any.
    async fn partner_for(
        &self,
        directory_org: Option<Uuid>,
    ) -> AppResult<Option<linkwork_domain::organisation::Organisation>> {
        let Some(org) = directory_org else {
            return Ok(None);
        };
        match self.store.organization_tenant(org).await? {
            Some(tenant) => Ok(self
                .store
                .organisation(tenant)
                .await?
                .filter(|o| o.kind == OrgKind::Vcse)),
            None => Ok(None),
        }
    }

    /// Refers the person of a case onward to a directory service: into the
    /// inbox of the community partner that runs it (who is emailed), or by
    /// email to the service, with one-time links to answer. Only what the
    /// link worker chose to share goes, and only with the person's consent.
    pub async fn refer_onward(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        service_id: Uuid,
        input: &OnwardInput,
    ) -> AppResult<OnwardReferral> {
        let view = self.case(p, referral_id).await?;
        view.referral.require_open_case()?;
        let target = self.target(&view, service_id).await?;
        if let Some(why) = &target.refused {
            return Err(ValidationErrors::single("service", why.clone()).into());
        }
        if target.partner.is_none() && target.email.is_none() {
            return Err(ValidationErrors::single(
                "service",
                format!(
                    "{} has no email address in the directory, so a referral cannot reach it: give the person its details on a shortlist, or phone the service",
                    target.service.name
                ),
            )
            .into());
        }
        let details = input.validate()?;
        if target.consent_withdrawn && !details.shared.is_empty() {
            return Err(ValidationErrors::single(
                "shared",
                format!(
                    "{} has withdrawn consent to share their details with {}: share nothing",
                    view.person.details.full_name(),
                    target.organisation
                ),
            )
            .into());
        }
        let OnwardTarget {
            service,
            partner,
            email: service_email,
            ..
        } = target;
        let at = now();
        let d = &view.person.details;
        let has = |f: SharedField| details.shared.contains(&f);
        let all_needs = self.store.needs().await?;
        let what_matters = view.file.what_matters.as_ref();
        let need_codes =
            linkwork_domain::casework::current_needs(what_matters, &view.referral.needs);
        let shared = SharedDetails {
            fields: details.shared.clone(),
            name: has(SharedField::Contact).then(|| d.full_name()),
            phone: has(SharedField::Contact).then(|| d.phone.clone()).flatten(),
            email: has(SharedField::Contact)
                .then(|| d.email.as_ref().map(|e| e.to_string()))
                .flatten(),
            contact_preference: has(SharedField::Contact)
                .then(|| d.contact_method.map(|m| m.label().to_owned()))
                .flatten(),
            needs: if has(SharedField::Needs) {
                need_codes
                    .iter()
                    .filter_map(|c| {
                        all_needs
                            .iter()
                            .find(|n| &n.code == c)
                            .map(|n| n.label.clone())
                    })
                    .collect()
            } else {
                Vec::new()
            },
            what_matters: has(SharedField::WhatMatters)
                .then(|| what_matters.map(|w| w.in_their_words.clone()))
                .flatten(),
            access_needs: has(SharedField::AccessNeeds)
                .then(|| {
                    let mut needs = d.communication_needs();
                    if let Some(notes) = what_matters.and_then(|w| w.barrier_notes.clone()) {
                        needs.push(notes);
                    }
                    (!needs.is_empty()).then(|| needs.join("; "))
                })
                .flatten(),
        };
        let onward = OnwardReferral {
            id: OnwardReferralId::new(),
            referral_id,
            person_id: view.person.id,
            pcn_id: view.referral.pcn_id,
            service_id,
            service_name: service.name.clone(),
            partner_org_id: partner.as_ref().map(|o| o.id),
            service_email: service_email.clone(),
            support: details.support,
            shared,
            message: details.message.clone(),
            status: OnwardStatus::Sent,
            decline_reason: None,
            answer_note: None,
            sent_at: at,
            sent_by: p.user.id,
            sent_by_name: p.user.display_name.clone(),
            answered_at: None,
            started_at: None,
            completed_at: None,
            chased: false,
            version: 1,
            updated_at: at,
        };
        let mut changes = CaseworkChanges {
            onward_events: vec![event(
                &onward,
                at,
                (Some(p.user.id), p.user.display_name.clone()),
                format!("Sent to {}", service.name),
                details.message.clone(),
            )],
            ..Default::default()
        };
        if !details.shared.is_empty() {
            changes.consents.push(Consent {
                id: ConsentId::new(),
                person_id: view.person.id,
                kind: ConsentKind::Share,
                partner_org_id: partner.as_ref().map(|o| o.id),
                given: true,
                recorded_at: at,
                recorded_by: p.user.display_name.clone(),
                recorded_by_user_id: Some(p.user.id),
                referral_id: Some(referral_id),
            });
        }
        let team = self
            .store
            .organisation(view.referral.pcn_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let subject = format!(
            "Referral {} from {team}: {}",
            view.referral.reference, service.name
        );
        // One-time links to answer from the email, whether or not the
        // reader has a Linkwork account: each works once, until it expires.
        let base = self.settings.public_base_url();
        let expires = at + Duration::days(i64::from(self.settings.linking.answer_link_days));
        let mut links = String::new();
        for kind in PartnerAnswerKind::ALL {
            let token = random_token();
            changes.answer_links.push(AnswerLink {
                token_hash: token_hash(&token),
                onward_id: onward.id,
                answer: kind.code().to_owned(),
                expires_at: expires,
                used_at: None,
            });
            links.push_str(&format!("- {}: {base}/answer/{token}\n", kind.label()));
        }
        let answer_by_link = format!(
            "Please tell us what happens by following one of these links. Each works once, until {}:\n{links}",
            expires.format("%-d %B %Y")
        );
        let recipients = self
            .recipients(partner.as_ref().map(|o| o.id), service_email.as_deref())
            .await?;
        let body = match &partner {
            // The partner's users read what was shared in their inbox, not
            // in an email that may be forwarded.
            Some(_) => format!(
                "Hello,\n\n{team} has referred someone to {}, referral {}.\n\nSee who, and what they would like, in your Linkwork inbox:\n{base}/partner/referrals/{}\n\n{answer_by_link}\nThank you,\n{} (link worker)",
                service.name, view.referral.reference, onward.id, p.user.display_name
            ),
            None => format!(
                "Hello,\n\n{team} has referred someone to {}, referral {}.\n\n{}\n{answer_by_link}\nThank you,\n{} (link worker)",
                service.name,
                view.referral.reference,
                describe_shared(&onward),
                p.user.display_name
            ),
        };
        for to in recipients {
            changes.messages.push(
                Message::new(
                    Channel::Email,
                    to,
                    Some(subject.clone()),
                    body.clone(),
                    format!(
                        "Onward referral {} to {}",
                        view.referral.reference, service.name
                    ),
                    Some(view.referral.pcn_id),
                    at,
                )
                .about(view.referral.person_id),
            );
        }
        changes.onward.push((onward.clone(), None));
        let audit = NewAuditEvent::new(p.actor(), AuditAction::OnwardReferral, at)
            .entity(EntityRef::new("referral", referral_id))
            .org(view.referral.pcn_id)
            .detail(format!(
                "{}: referred to {}, sharing {}",
                view.referral.reference,
                service.name,
                if details.shared.is_empty() {
                    "nothing".to_owned()
                } else {
                    details
                        .shared
                        .iter()
                        .map(|f| f.label().to_lowercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ))
            .ip(p.ip.clone());
        self.store.save_casework(&changes, &[audit]).await?;
        Ok(onward)
    }

    /// The community partner organisations a user answers for.
    async fn partner_orgs(&self, p: &Principal) -> AppResult<Vec<OrgId>> {
        p.require(Permission::EditOwnListings)?;
        if !p.user.roles.contains(Role::Partner) {
            return Err(AppError::Forbidden);
        }
        let scope = p.scope(self.store.as_ref()).await?;
        Ok(self
            .store
            .list_organisations(Some(p.user.org_id))
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Vcse && scope.contains(o.id))
            .map(|o| o.id)
            .collect())
    }

    /// A partner's inbox: referrals to its services, newest first.
    pub async fn partner_inbox(
        &self,
        p: &Principal,
        statuses: Vec<OnwardStatus>,
        page: PageRequest,
    ) -> AppResult<Page<OnwardReferral>> {
        let partners = self.partner_orgs(p).await?;
        let inbox = self
            .store
            .partner_inbox(&InboxFilter { partners, statuses }, page)
            .await?;
        self.audit_people_shown(
            p,
            "Referrals to the partner's services",
            inbox.items.iter().map(|o| (o.person_id, o.pcn_id)),
        )
        .await?;
        Ok(inbox)
    }

    /// An onward referral, if `p`'s organisation is its partner.
    async fn onward_for_partner(
        &self,
        p: &Principal,
        id: OnwardReferralId,
    ) -> AppResult<(OnwardReferral, Referral)> {
        let partners = self.partner_orgs(p).await?;
        let onward = self
            .store
            .onward_referral(id)
            .await?
            .filter(|o| o.partner_org_id.is_some_and(|org| partners.contains(&org)))
            .ok_or(AppError::NotFound("referral"))?;
        let referral = self
            .store
            .referral(onward.referral_id)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        self.require_unrestricted_for(p.actor(), p.ip.clone(), referral.person_id)
            .await?;
        Ok((onward, referral))
    }

    /// One referral in a partner's inbox: what was shared (unless consent
    /// has since been withdrawn) and its history. Audited as a view of the
    /// person's details.
    pub async fn partner_referral(
        &self,
        p: &Principal,
        id: OnwardReferralId,
    ) -> AppResult<PartnerView> {
        let (mut onward, referral) = self.onward_for_partner(p, id).await?;
        let consents = self.store.consents(onward.person_id).await?;
        let consent_withdrawn = consent::current(&consents).iter().any(|c| {
            c.kind == ConsentKind::Share && c.partner_org_id == onward.partner_org_id && !c.given
        });
        let mut history = self.store.onward_history(id).await?;
        if consent_withdrawn {
            // The link worker's message may say something about them too.
            onward.shared = SharedDetails::default();
            onward.message = None;
            for e in history
                .iter_mut()
                .filter(|e| e.actor_user_id == Some(onward.sent_by))
            {
                e.note = None;
            }
        }
        self.audit_person_view(
            p.actor(),
            p.ip.clone(),
            onward.person_id,
            onward.pcn_id,
            format!(
                "Onward referral {} to {}, as the partner",
                referral.reference, onward.service_name
            ),
        )
        .await?;
        Ok(PartnerView {
            history,
            reference: referral.reference,
            onward,
            consent_withdrawn,
        })
    }

    /// The changes an answer makes: the referral's new state, its history,
    /// the person's first attendance, and a task for the link worker when
    /// the partner declines or they did not come.
    fn answer_changes(
        &self,
        mut onward: OnwardReferral,
        answer: &PartnerAnswer,
        note: Option<String>,
        actor: (Option<linkwork_domain::UserId>, String),
        referral: &Referral,
    ) -> AppResult<(CaseworkChanges, String)> {
        let at = now();
        let expected = onward.version;
        let summary = onward.answer(answer, at)?;
        let mut changes = CaseworkChanges {
            onward_events: vec![event(&onward, at, actor, summary.clone(), note)],
            ..Default::default()
        };
        if onward.status == OnwardStatus::Started {
            changes.intervention = Some((onward.referral_id, at));
        }
        if matches!(
            onward.status,
            OnwardStatus::Declined | OnwardStatus::DidNotAttend
        ) {
            let title = format!("{}: {}", onward.service_name, summary.to_lowercase());
            changes.tasks.push(linkwork_domain::casework::Task {
                id: TaskId::new(),
                referral_id: referral.id,
                person_id: referral.person_id,
                pcn_id: referral.pcn_id,
                owner: referral.assigned_to.unwrap_or(onward.sent_by),
                kind: TaskKind::FollowUpCall,
                title,
                due: self.today() + Duration::days(2),
                contact_id: None,
                created_at: at,
                created_by: onward.sent_by,
                done_at: None,
                done_by: None,
            });
        }
        changes.onward.push((onward, Some(expected)));
        Ok((changes, summary))
    }

    /// A signed-in partner answers a referral to one of its services.
    pub async fn partner_answer(
        &self,
        p: &Principal,
        id: OnwardReferralId,
        expected_version: i64,
        answer: &PartnerAnswer,
        note: Option<String>,
    ) -> AppResult<OnwardReferral> {
        let (onward, referral) = self.onward_for_partner(p, id).await?;
        if onward.version != expected_version {
            return Err(AppError::Conflict(
                "This referral changed while you were looking at it. Check its latest state and answer again".into(),
            ));
        }
        let (changes, summary) = self.answer_changes(
            onward,
            answer,
            note,
            (Some(p.user.id), p.user.display_name.clone()),
            &referral,
        )?;
        let audit = NewAuditEvent::new(p.actor(), AuditAction::OnwardAnswer, now())
            .entity(EntityRef::new("referral", referral.id))
            .org(referral.pcn_id)
            .detail(format!("{}: {summary}", referral.reference))
            .ip(p.ip.clone());
        self.store.save_casework(&changes, &[audit]).await?;
        Ok(changes.onward[0].0.clone())
    }

    /// What an answer link's page shows, and whether it can be used. A link
    /// that does not exist is simply not found.
    pub async fn answer_link(&self, token: &str) -> AppResult<LinkAnswer> {
        let link = self
            .store
            .answer_link(&token_hash(token))
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let onward = self
            .store
            .onward_referral(link.onward_id)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let referral = self
            .store
            .referral(onward.referral_id)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let answer =
            PartnerAnswerKind::from_code(&link.answer).ok_or(AppError::NotFound("link"))?;
        let refused = if link.used_at.is_some() {
            Some("This link has already been used.".to_owned())
        } else if link.expires_at < now() {
            Some(
                "This link has expired. Please reply to the email, or contact the link worker."
                    .to_owned(),
            )
        } else if !onward.status.answers().contains(&answer) {
            Some(format!(
                "This referral is {}: it cannot be answered this way now.",
                onward.status.label().to_lowercase()
            ))
        } else {
            None
        };
        Ok(LinkAnswer {
            reference: referral.reference,
            service_name: onward.service_name,
            answer,
            refused,
        })
    }

    /// Gives a link's answer (with a reason, for a decline). The link is
    /// used up in the same transaction; a second use is refused.
    pub async fn answer_by_link(
        &self,
        token: &str,
        reason: &str,
        note: &str,
        ip: Option<String>,
    ) -> AppResult<LinkAnswer> {
        let shown = self.answer_link(token).await?;
        if let Some(why) = &shown.refused {
            return Err(AppError::Conflict(why.clone()));
        }
        let (answer, note) = PartnerAnswer::parse(shown.answer.code(), reason, note)?;
        let hash = token_hash(token);
        let link = self
            .store
            .answer_link(&hash)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let onward = self
            .store
            .onward_referral(link.onward_id)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let referral = self
            .store
            .referral(onward.referral_id)
            .await?
            .ok_or(AppError::NotFound("link"))?;
        let label = format!("{} (by email link)", onward.service_name);
        let (mut changes, summary) =
            self.answer_changes(onward, &answer, note, (None, label.clone()), &referral)?;
        changes.use_link = Some((hash, now()));
        let audit = NewAuditEvent::new(Actor::System, AuditAction::OnwardAnswer, now())
            .entity(EntityRef::new("referral", referral.id))
            .org(referral.pcn_id)
            .detail(format!(
                "{}: {summary}, answered by {label}",
                referral.reference
            ))
            .ip(ip);
        self.store.save_casework(&changes, &[audit]).await?;
        Ok(shown)
    }

    /// Onward referrals of the link worker's open cases (or their whole
    /// team's) that need them: declines and missed first sessions not yet
    /// seen, and referrals with no answer after `chase_after_days`.
    pub async fn needs_attention(
        &self,
        p: &Principal,
        whole_team: bool,
    ) -> AppResult<Vec<OnwardItem>> {
        p.require(Permission::WorkWithPeople)?;
        let networks: Vec<OrgId> = self.team_networks(p).await?.iter().map(|n| n.id).collect();
        let cutoff = now() - Duration::days(i64::from(self.settings.linking.chase_after_days));
        let items = self
            .store
            .needs_attention(&AttentionFilter {
                pcn_ids: networks,
                assigned_to: (!whole_team).then_some(p.user.id),
                unanswered_before: cutoff,
            })
            .await?;
        self.audit_people_shown(
            p,
            "Needs attention: referrals to services",
            items.iter().map(|i| (i.onward.person_id, i.onward.pcn_id)),
        )
        .await?;
        Ok(items)
    }

    /// The link worker has seen a partner's decline or a missed session.
    pub async fn mark_onward_seen(&self, p: &Principal, id: OnwardReferralId) -> AppResult<()> {
        let onward = self
            .store
            .onward_referral(id)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        let referral = self.case_referral(p, onward.referral_id).await?;
        let audit = self.case_audit(
            p,
            AuditAction::OnwardSeen,
            &referral,
            format!("seen: {}", onward.service_name),
        );
        self.save(
            CaseworkChanges {
                seen: vec![(id, now())],
                ..Default::default()
            },
            audit,
        )
        .await
    }

    /// The link worker takes an onward referral back.
    pub async fn withdraw_onward(
        &self,
        p: &Principal,
        id: OnwardReferralId,
        expected_version: i64,
    ) -> AppResult<ReferralId> {
        let mut onward = self
            .store
            .onward_referral(id)
            .await?
            .ok_or(AppError::NotFound("referral"))?;
        let referral = self.case_referral(p, onward.referral_id).await?;
        if onward.version != expected_version {
            return Err(AppError::Conflict(
                "The service answered while you were looking: check its answer first".into(),
            ));
        }
        let at = now();
        onward.withdraw(at)?;
        let mut changes = CaseworkChanges {
            onward_events: vec![event(
                &onward,
                at,
                (Some(p.user.id), p.user.display_name.clone()),
                "Withdrawn by the link worker".into(),
                None,
            )],
            ..Default::default()
        };
        // The service is told, so no one waits for someone who is not coming.
        for to in self
            .recipients(onward.partner_org_id, onward.service_email.as_deref())
            .await?
        {
            changes.messages.push(Message::new(
                Channel::Email,
                to,
                Some(format!("Referral {} withdrawn", referral.reference)),
                format!(
                    "Hello,\n\nThe referral {} to {} has been withdrawn: please do not contact the person about it.\n\nThank you,\n{} (link worker)",
                    referral.reference, onward.service_name, p.user.display_name
                ),
                format!("Withdrawn referral {} to {}", referral.reference, onward.service_name),
                Some(referral.pcn_id),
                at,
            )
            .about(referral.person_id));
        }
        changes
            .onward
            .push((onward.clone(), Some(expected_version)));
        let audit = self.case_audit(
            p,
            AuditAction::OnwardWithdraw,
            &referral,
            onward.service_name.clone(),
        );
        self.save(changes, audit).await?;
        Ok(referral.id)
    }

    /// Who is emailed about a referral to a service: the partner's active
    /// users, or the service's address.
    async fn recipients(
        &self,
        partner: Option<OrgId>,
        service_email: Option<&str>,
    ) -> AppResult<Vec<String>> {
        Ok(match partner {
            Some(org) => self
                .store
                .list_users(
                    &UserFilter {
                        org_id: Some(org),
                        role: Some(Role::Partner),
                        status: Some(UserStatus::Active),
                        ..Default::default()
                    },
                    PageRequest::new(1, PageRequest::MAX_PER_PAGE),
                )
                .await?
                .items
                .into_iter()
                .map(|u| u.email.to_string())
                .collect(),
            None => service_email.map(str::to_owned).into_iter().collect(),
        })
    }

    /// Makes a "chase the partner" task for each onward referral with no
    /// answer after `chase_after_days`. Safe to run on every instance: an
    /// instance that loses the race to mark one chased writes nothing.
    pub async fn chase_unanswered(&self) -> AppResult<u32> {
        let cutoff = now() - Duration::days(i64::from(self.settings.linking.chase_after_days));
        let mut made = 0;
        for mut onward in self.store.unchased(cutoff, 200).await? {
            let Some(referral) = self.store.referral(onward.referral_id).await? else {
                continue;
            };
            let expected = onward.version;
            onward.chased = true;
            onward.version += 1;
            let task = linkwork_domain::casework::Task {
                id: TaskId::new(),
                referral_id: referral.id,
                person_id: referral.person_id,
                pcn_id: referral.pcn_id,
                owner: referral.assigned_to.unwrap_or(onward.sent_by),
                kind: TaskKind::ChasePartner,
                title: format!("Chase {}: no answer yet", onward.service_name),
                due: self.today(),
                contact_id: None,
                created_at: now(),
                created_by: onward.sent_by,
                done_at: None,
                done_by: None,
            };
            let changes = CaseworkChanges {
                onward: vec![(onward.clone(), Some(expected))],
                tasks: vec![task],
                ..Default::default()
            };
            let audit = NewAuditEvent::new(Actor::System, AuditAction::TaskAdd, now())
                .entity(EntityRef::new("referral", referral.id))
                .org(referral.pcn_id)
                .detail(format!(
                    "{}: chase {}",
                    referral.reference, onward.service_name
                ));
            match self.store.save_casework(&changes, &[audit]).await {
                Ok(()) => made += 1,
                // Another instance chased it first.
                Err(linkwork_storage::StorageError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(made)
    }
}

/// What was shared, as plain text for an email.
fn describe_shared(o: &OnwardReferral) -> String {
    let s = &o.shared;
    let mut lines = Vec::new();
    if let Some(name) = &s.name {
        lines.push(format!("Name: {name}"));
    }
    if let Some(phone) = &s.phone {
        lines.push(format!("Phone: {phone}"));
    }
    if let Some(email) = &s.email {
        lines.push(format!("Email: {email}"));
    }
    if let Some(pref) = &s.contact_preference {
        lines.push(format!("Prefers: {pref}"));
    }
    if !s.needs.is_empty() {
        lines.push(format!("Would like support with: {}", s.needs.join(", ")));
    }
    if let Some(w) = &s.what_matters {
        lines.push(format!("What matters to them: {w}"));
    }
    if let Some(a) = &s.access_needs {
        lines.push(format!("Access and communication needs: {a}"));
    }
    lines.push(format!(
        "How they will be supported to go: {}",
        o.support.label()
    ));
    if let Some(m) = &o.message {
        lines.push(format!("From the link worker: {m}"));
    }
    if s.fields.is_empty() {
        lines.insert(
            0,
            "The person has not shared their details: they will contact you themselves.".into(),
        );
    }
    lines.join("\n") + "\n"
}
