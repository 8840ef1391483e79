//! `POST /api/v1/referrals`, `GET /api/v1/referrals/{id}` and
//! `GET /api/v1/needs`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use linkwork_app::AppError;
use linkwork_app::referrals::{IntakeOutcome, Submission, Submitter};
use linkwork_domain::OrgId;
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::person::{DateParts, PersonInput};
use linkwork_domain::referral::{Referral, ReferralInput, ReferralRoute};
use linkwork_domain::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Client;
use crate::error::{ApiErrorBody, WebError, WebResult};
use crate::routes::referrals::parse_referral_id;
use crate::state::AppState;

/// A referral from another system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person": {
        "nhs_number": "943 476 5919",
        "given_name": "Kwame",
        "family_name": "Mensah",
        "date_of_birth": "1948-11-02",
        "address": {"line1": "4 Canal Street", "postcode": "RV1 3BQ"},
        "phone": "07700 900 123",
        "contact_method": "phone"
    },
    "reasons": ["loneliness", "physical_activity"],
    "details": "Discharged after a fall; lives alone.",
    "urgency": "routine",
    "consent": {"referral": true, "contact": true},
    "referrer": {"name": "Ward 7 discharge team", "phone": "01632 960 555"}
}))]
pub struct ReferralRequest {
    pub person: PersonPayload,
    /// Codes of the reasons for the referral, from `GET /api/v1/needs`.
    #[schema(example = json!(["loneliness", "debt"]))]
    pub reasons: Vec<String>,
    /// What the team should know, in the referrer's words.
    pub details: Option<String>,
    /// `routine` (the default) or `urgent`.
    pub urgency: Option<String>,
    pub consent: ConsentPayload,
    pub referrer: ReferrerPayload,
}

/// The person referred.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPayload {
    /// Ten digits, spaces allowed; checked by modulus 11.
    #[schema(example = "9434765919")]
    pub nhs_number: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(example = "1950-03-07")]
    pub date_of_birth: String,
    /// `female`, `male`, `indeterminate` or `not_known`.
    pub sex: Option<String>,
    pub gender_identity: Option<String>,
    /// An NHS ethnic category code, `A` to `S`, `Z` (not stated) or `99`
    /// (not known).
    pub ethnicity: Option<String>,
    pub address: Option<AddressPayload>,
    /// The ODS code of the person's GP practice. The referral goes to that
    /// practice's network; without it, to the network covering the postcode.
    #[schema(example = "Y00001")]
    pub gp_practice_ods_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// `phone`, `text`, `email` or `letter`.
    pub contact_method: Option<String>,
    pub contact_times: Option<String>,
    pub safe_to_leave_message: Option<bool>,
    /// Preferred language, if not English.
    pub language: Option<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
    #[serde(default)]
    pub bsl: bool,
    #[serde(default)]
    pub easy_read: bool,
    #[serde(default)]
    pub large_print: bool,
    pub other_communication_needs: Option<String>,
    #[serde(default)]
    pub safeguarding_concern: bool,
    pub safeguarding_details: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressPayload {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub town: Option<String>,
    #[schema(example = "RV1 3BQ")]
    pub postcode: Option<String>,
}

/// What the person agreed to. A referral needs their consent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentPayload {
    /// The person agrees to the referral. Must be true.
    pub referral: bool,
    /// The team may contact the person.
    pub contact: bool,
}

/// Who made the referral, so the team can ask about it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferrerPayload {
    pub name: String,
    /// Job title.
    pub role: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkPayload {
    pub id: String,
    pub name: String,
    pub ods_code: Option<String>,
}

impl From<&Organisation> for NetworkPayload {
    fn from(o: &Organisation) -> Self {
        NetworkPayload {
            id: o.id.to_string(),
            name: o.name.clone(),
            ods_code: o.code.clone(),
        }
    }
}

/// A referral received.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralReceipt {
    pub id: String,
    /// Quote it to the team: `RF-XXXX-XXXX`.
    pub reference: String,
    pub status: String,
    pub received_at: String,
    pub network: NetworkPayload,
    /// The same referral as a FHIR ServiceRequest.
    pub fhir: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSummary {
    pub nhs_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
}

/// One change of status.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub status: Option<String>,
    pub summary: String,
    pub reason: Option<String>,
}

/// How a closed referral ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomePayload {
    pub decline_reason: Option<String>,
    pub redirected_to: Option<String>,
    pub note: Option<String>,
    /// The SNOMED CT code recorded (871711000000103 when the person
    /// declined).
    pub code: Option<String>,
}

/// A referral's status, for the organisation that made it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralStatusResponse {
    pub id: String,
    pub reference: String,
    /// `received`, `accepted`, `in_progress`, `discharged`, `declined`,
    /// `redirected`, `unable_to_contact` or `withdrawn`.
    pub status: String,
    pub status_label: String,
    pub received_at: String,
    pub reasons: Vec<String>,
    /// The SNOMED CT code the referral is recorded with.
    pub code: String,
    pub network: NetworkPayload,
    pub person: PersonSummary,
    pub history: Vec<HistoryEntry>,
    pub outcome: Option<OutcomePayload>,
    /// When the person first attended a community service they were linked
    /// to (RFC 3339); absent until they have.
    pub intervention_received_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedPayload {
    #[schema(example = "loneliness")]
    pub code: String,
    #[schema(example = "Loneliness")]
    pub label: String,
}

/// Where each checked field sits in the request, for error messages.
fn api_field(field: &'static str) -> &'static str {
    match field {
        "nhs_number" => "person.nhs_number",
        "given_name" => "person.given_name",
        "family_name" => "person.family_name",
        "preferred_name" => "person.preferred_name",
        "date_of_birth" => "person.date_of_birth",
        "sex" => "person.sex",
        "gender_identity" => "person.gender_identity",
        "ethnicity" => "person.ethnicity",
        "address_line1" => "person.address.line1",
        "address_line2" => "person.address.line2",
        "town" => "person.address.town",
        "postcode" => "person.address.postcode",
        "gp_practice" => "person.gp_practice_ods_code",
        "phone" => "person.phone",
        "email" => "person.email",
        "contact_method" => "person.contact_method",
        "contact_times" => "person.contact_times",
        "safe_to_leave_message" => "person.safe_to_leave_message",
        "language" => "person.language",
        "other_communication_needs" => "person.other_communication_needs",
        "safeguarding_details" => "person.safeguarding_details",
        "needs" => "reasons",
        "consent_referral" => "consent.referral",
        "consent_contact" => "consent.contact",
        "referrer_name" => "referrer.name",
        "referrer_role" => "referrer.role",
        "referrer_phone" => "referrer.phone",
        "referrer_email" => "referrer.email",
        other => other,
    }
}

fn api_errors(mut errors: ValidationErrors) -> WebError {
    for e in &mut errors.errors {
        e.field = api_field(e.field);
    }
    WebError::Invalid(errors)
}

/// The organisation of `kind` with this ODS code (none without a code),
/// or a validation error on `field`. Shared with FHIR, which names
/// organisations the same way.
pub(crate) async fn organisation_by_ods(
    state: &AppState,
    code: Option<&str>,
    kind: OrgKind,
    field: &'static str,
) -> WebResult<Option<OrgId>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    match state
        .app
        .store
        .organisation_by_code(code)
        .await
        .map_err(AppError::from)?
    {
        Some(org) if org.kind == kind => Ok(Some(org.id)),
        _ => Err(WebError::Invalid(ValidationErrors::single(
            field,
            format!("No {} has the ODS code {code:?}", kind.label()),
        ))),
    }
}

/// The body as JSON of type `T`, or a 400 saying what is wrong with it.
pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: &Bytes,
) -> WebResult<T> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(WebError::BadRequest(
            "Send the referral as JSON, with Content-Type: application/json".into(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| WebError::BadRequest(format!("The request body is not a valid referral: {e}")))
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

impl ReferralRequest {
    fn submission(self, gp_practice: String, idempotency_key: Option<String>) -> Submission {
        let p = self.person;
        let address = p.address.unwrap_or(AddressPayload {
            line1: None,
            line2: None,
            town: None,
            postcode: None,
        });
        let text = |v: Option<String>| v.unwrap_or_default();
        Submission {
            person: PersonInput {
                nhs_number: p.nhs_number,
                given_name: p.given_name,
                family_name: p.family_name,
                preferred_name: text(p.preferred_name),
                date_of_birth: DateParts::from_iso(&p.date_of_birth),
                sex: text(p.sex),
                gender_identity: text(p.gender_identity),
                ethnicity: text(p.ethnicity),
                address_line1: text(address.line1),
                address_line2: text(address.line2),
                town: text(address.town),
                postcode: text(address.postcode),
                gp_practice,
                phone: text(p.phone),
                email: text(p.email),
                contact_method: text(p.contact_method),
                contact_times: text(p.contact_times),
                safe_to_leave_message: yes_no(p.safe_to_leave_message),
                language: text(p.language),
                interpreter_needed: p.interpreter_needed,
                bsl: p.bsl,
                easy_read: p.easy_read,
                large_print: p.large_print,
                other_communication_needs: text(p.other_communication_needs),
                safeguarding_concern: p.safeguarding_concern,
                safeguarding_details: text(p.safeguarding_details),
            },
            referral: ReferralInput {
                needs: self.reasons,
                details: text(self.details),
                urgency: text(self.urgency),
                consent_referral: self.consent.referral,
                consent_contact: yes_no(Some(self.consent.contact)),
                referrer_name: self.referrer.name,
                referrer_role: text(self.referrer.role),
                referrer_phone: text(self.referrer.phone),
                referrer_email: text(self.referrer.email),
                ..Default::default()
            },
            idempotency_key,
            ..Default::default()
        }
    }
}

/// The `Idempotency-Key` header (intake scopes it to the caller).
pub(crate) fn idempotency_key(headers: &HeaderMap) -> WebResult<Option<String>> {
    match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(key)) if !key.trim().is_empty() && key.len() <= 200 => {
            Ok(Some(key.trim().to_owned()))
        }
        Some(_) => Err(WebError::BadRequest(
            "Idempotency-Key must be 1 to 200 visible characters".into(),
        )),
    }
}

async fn receipt(state: &AppState, referral: &Referral) -> WebResult<ReferralReceipt> {
    let network = state
        .app
        .store
        .organisation(referral.pcn_id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| WebError::internal("a referral's network is missing"))?;
    Ok(ReferralReceipt {
        id: referral.id.to_string(),
        reference: referral.reference.to_string(),
        status: referral.status.code().to_owned(),
        received_at: referral.received_at.to_rfc3339(),
        network: (&network).into(),
        fhir: format!("/fhir/ServiceRequest/{}", referral.id),
    })
}

/// Send a referral.
///
/// Routed to the network of the person's GP practice, or else the one
/// covering their postcode. A person the network already knows (the same
/// NHS number) is linked, not duplicated. Send an `Idempotency-Key` header
/// to make a retried request return the first referral (200) instead of
/// making another.
#[utoipa::path(
    post,
    path = "/api/v1/referrals",
    tag = "referrals",
    request_body = ReferralRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string per referral, to make retries safe")),
    responses(
        (status = 201, description = "Received", body = ReferralReceipt, headers(("Location" = String, description = "The referral's URL"))),
        (status = 200, description = "Already received with this Idempotency-Key", body = ReferralReceipt),
        (status = 400, description = "Not JSON, or not shaped like a referral (code `bad_request`)", body = ApiErrorBody),
        (status = 401, description = "No valid API token (code `unauthenticated`)", body = ApiErrorBody),
        (status = 409, description = "This Idempotency-Key was already used for a different referral: another person or other reasons (code `conflict`)", body = ApiErrorBody),
        (status = 422, description = "Invalid fields, each named (code `validation_failed`)", body = ApiErrorBody),
    ),
    security(("api_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    let request: ReferralRequest = parse_json(&headers, &body)?;
    let practice = organisation_by_ods(
        &state,
        request.person.gp_practice_ods_code.as_deref(),
        OrgKind::GpPractice,
        "gp_practice",
    )
    .await
    .map_err(|e| match e {
        WebError::Invalid(errors) => api_errors(errors),
        other => other,
    })?
    .map(|id| id.to_string())
    .unwrap_or_default();
    let key = idempotency_key(&headers)?;
    let submission = request.submission(practice, key);
    let outcome = state
        .app
        .submit_referral(
            Submitter::System {
                client: &client,
                route: ReferralRoute::Api,
            },
            &submission,
        )
        .await
        .map_err(|e| match e {
            AppError::Invalid(errors) => api_errors(errors),
            other => other.into(),
        })?;
    let (referral, status) = match outcome {
        IntakeOutcome::Created(r) => (r, StatusCode::CREATED),
        IntakeOutcome::AlreadyReceived(r) => (r, StatusCode::OK),
        IntakeOutcome::PossibleDuplicates(..) => {
            return Err(WebError::internal(
                "the API cannot be asked about duplicates",
            ));
        }
    };
    let location = format!("/api/v1/referrals/{}", referral.id);
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(receipt(&state, &referral).await?),
    )
        .into_response())
}

/// A referral's status and history.
///
/// Only referrals made by the token's organisation. The answer names the
/// person, so each call is recorded in the audit log.
#[utoipa::path(
    get,
    path = "/api/v1/referrals/{id}",
    tag = "referrals",
    params(("id" = String, Path, description = "The referral's id")),
    responses(
        (status = 200, body = ReferralStatusResponse),
        (status = 401, description = "No valid API token", body = ApiErrorBody),
        (status = 404, description = "No such referral made by your organisation", body = ApiErrorBody),
    ),
    security(("api_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    Client(client): Client,
    Path(id): Path<String>,
) -> WebResult<Json<ReferralStatusResponse>> {
    let (referral, person, history, network) = state
        .app
        .api_referral(&client, parse_referral_id(&id)?)
        .await?;
    Ok(Json(ReferralStatusResponse {
        id: referral.id.to_string(),
        reference: referral.reference.to_string(),
        status: referral.status.code().to_owned(),
        status_label: referral.status.label().to_owned(),
        received_at: referral.received_at.to_rfc3339(),
        reasons: referral.needs.clone(),
        code: referral.code.clone(),
        network: (&network).into(),
        person: PersonSummary {
            nhs_number: person
                .details
                .nhs_number
                .as_ref()
                .map(|n| n.as_str().to_owned()),
            given_name: person.details.given_name.clone(),
            family_name: person.details.family_name.clone(),
        },
        history: history
            .into_iter()
            .map(|e| HistoryEntry {
                at: e.at.to_rfc3339(),
                status: e.to_status.map(|s| s.code().to_owned()),
                summary: e.summary,
                reason: e.reason,
            })
            .collect(),
        intervention_received_at: referral.intervention_received_at.map(|at| at.to_rfc3339()),
        outcome: referral.outcome.map(|o| OutcomePayload {
            decline_reason: o.decline_reason.map(|r| r.code().to_owned()),
            redirected_to: o.redirected_to,
            note: o.note,
            code: o.code,
        }),
    }))
}

/// The reasons a referral can give.
#[utoipa::path(
    get,
    path = "/api/v1/needs",
    tag = "referrals",
    responses((status = 200, body = Vec<NeedPayload>))
)]
pub async fn needs(State(state): State<AppState>) -> WebResult<Json<Vec<NeedPayload>>> {
    Ok(Json(
        state
            .app
            .active_needs()
            .await?
            .into_iter()
            .map(|n| NeedPayload {
                code: n.code,
                label: n.label,
            })
            .collect(),
    ))
}
