//! What a case issues when one of its parts is approved: the e-licence its service's
//! result names, filled from the form by the result's mapping and signed by the issuing
//! department, in the same write as the approval. A licence that cannot be issued (no
//! master key, an unknown type, a claim the form does not fill) never blocks the
//! approval: the case completes and a `licence.not_issued` entry says why, for the
//! department to issue it by hand.

use crate::error::{ErrorKind, Result};
use crate::licences::{Holder, IssueRequest, Licences};
use crate::store::Tx;
use govops_workflow::definition::{Plan, ResultSpec};
use govops_workflow::engine::{CaseState, Event, PartStatus};
use serde_json::{Map, Value, json};

/// The applicant a licence goes to.
pub(crate) fn holder_of(kind: &str, id: &str) -> Holder {
    if kind == "enterprise" {
        Holder::Enterprise(id.to_owned())
    } else {
        Holder::Person(id.to_owned())
    }
}

/// Issues the licences of every part approved by `events`; returns their identifiers.
pub(crate) async fn issue_results(
    tx: &mut Tx,
    licences: &Licences,
    plan: &Plan,
    state: &CaseState,
    events: &[Event],
    case_id: &str,
    holder: &Holder,
) -> Result<Vec<String>> {
    let mut issued = Vec::new();
    for event in events {
        let Event::PartClosed {
            part,
            status: PartStatus::Approved,
            ..
        } = event
        else {
            continue;
        };
        let Some(p) = plan.parts.get(*part) else {
            continue;
        };
        let ResultSpec::Licence {
            licence_type,
            mapping,
        } = &p.result
        else {
            continue;
        };
        let mut claims = Map::new();
        for (claim, field) in mapping {
            let merged = p
                .fields
                .iter()
                .find(|(_, def)| &def.id == field)
                .map(|(id, _)| id.as_str())
                .unwrap_or(field.as_str());
            if let Some(v) = state.form.get(merged) {
                claims.insert(claim.clone(), v.clone());
            }
        }
        let subject = format!("case:{case_id}");
        if !licences.can_issue() {
            tx.journal(
                "system:cases",
                "licence.not_issued",
                &subject,
                json!({ "licence_type": licence_type, "reason": "no master key is configured for sealing issuer keys" }),
            )?;
            continue;
        }
        let request = IssueRequest {
            licence_type: licence_type.clone(),
            holder: holder.clone(),
            claims,
            case_id: Some(case_id.to_owned()),
            actor: "system:cases".into(),
        };
        match licences.issue_in(tx, request).await {
            Ok(l) => issued.push(l.identifier),
            Err(e) if e.kind == ErrorKind::Invalid => {
                tx.journal(
                    "system:cases",
                    "licence.not_issued",
                    &subject,
                    json!({ "licence_type": licence_type, "reason": e.message, "fields": e.fields.iter().map(|f| Value::String(f.field.clone())).collect::<Vec<_>>() }),
                )?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(issued)
}
