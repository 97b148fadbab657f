//! Cases for the demo city, so that a first look at the workbench and the portal finds
//! work in progress: made through the same calls a person would make, journaled.

use super::{SubmitInput, TaskAction};
use crate::error::Result;
use crate::platform::Platform;
use crate::store::Val;
use std::collections::BTreeMap;

impl Platform {
    /// Files a handful of applications in the demo city (only when no case exists yet):
    /// three food-business licences from lina's enterprise at different stages, a 企业开办一件事
    /// from zhangwei waiting on five departments, and his pension qualification approved
    /// at once. Returns how many cases were made.
    pub async fn seed_demo_cases(&self) -> Result<usize> {
        let (n,): (i64,) = self
            .store()
            .fetch_one("SELECT COUNT(*) FROM cases", &[])
            .await?;
        if n > 0 || self.live_plan("food-business-licence").is_none() {
            return Ok(0);
        }
        let lina = self.principal("demo-account-lina").await?;
        let zhang = self.principal("demo-account-zhangwei").await?;
        let mut made = 0;
        let Some(enterprise) = lina.enterprises.first().cloned() else {
            return Ok(0);
        };
        for i in 0..3 {
            let (credit,): (String,) = self
                .store()
                .fetch_one(
                    "SELECT credit_code FROM enterprises WHERE id = $1",
                    &[Val::from(&enterprise)],
                )
                .await?;
            let rid = self.resident_id_of(&lina).await?;
            let mut input = SubmitInput {
                service: "food-business-licence".into(),
                form: self.sample_application("food-business-licence", &rid, &credit)?,
                applicant: Some(enterprise.clone()),
                ..Default::default()
            };
            input.materials = self.demo_uploads(&lina, "food-business-licence").await?;
            let case = self.submit_case(&lina, &input).await?;
            made += 1;
            if i >= 1 {
                let amr = self.principal("demo-account-amr.official").await?;
                self.act_on_task(&amr, &case.id, "accept", TaskAction::Approve)
                    .await?;
            }
            if i == 2 {
                let nhc = self.principal("demo-account-nhc.official").await?;
                self.act_on_task(&nhc, &case.id, "health", TaskAction::Approve)
                    .await?;
            }
        }
        let rid = self.resident_id_of(&zhang).await?;
        for service in ["start-business", "pension-qualification"] {
            let mut input = SubmitInput {
                service: service.into(),
                form: self.sample_application(service, &rid, "91350100M000100Y43")?,
                ..Default::default()
            };
            if service == "pension-qualification" {
                input
                    .form
                    .insert("method".into(), serde_json::json!("人脸识别自助认证"));
            }
            input.materials = self.demo_uploads(&zhang, service).await?;
            self.submit_case(&zhang, &input).await?;
            made += 1;
        }
        Ok(made)
    }

    async fn resident_id_of(&self, who: &crate::identity::Principal) -> Result<String> {
        let (rid,): (String,) = self
            .store()
            .fetch_one(
                "SELECT resident_id FROM persons WHERE id = $1",
                &[Val::from(who.person_id.clone().unwrap_or_default())],
            )
            .await?;
        Ok(rid)
    }

    /// A small placeholder file for each material to upload.
    async fn demo_uploads(
        &self,
        who: &crate::identity::Principal,
        service: &str,
    ) -> Result<BTreeMap<String, String>> {
        let form = self.application_form(who, service, None).await?;
        let mut out = BTreeMap::new();
        for m in form.materials.iter().filter(|m| m.source == "upload") {
            let ext = m.formats.first().cloned().unwrap_or_else(|| "pdf".into());
            let bytes: Vec<u8> = match ext.as_str() {
                "jpg" | "jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10],
                "png" => b"\x89PNG\r\n\x1a\n".to_vec(),
                "docx" | "xlsx" => b"PK\x03\x04demo".to_vec(),
                _ => format!("%PDF-1.4\n% demo material {}\n", m.id).into_bytes(),
            };
            let name = format!("{}.{ext}", m.id.replace('/', "-"));
            let up = self.upload_file(who, &name, bytes, &m.formats).await?;
            out.insert(m.id.clone(), up.hash);
        }
        Ok(out)
    }
}
