//! The two languages of the UI: 中文 (default) and English.
//!
//! The language is the `govops_lang` cookie if set by the toggle, else the best match of
//! the browser's `Accept-Language`, else Chinese.

use axum::http::HeaderMap;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The cookie value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The other language, for the toggle.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Parses a cookie value.
    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks from `Accept-Language` by quality; Chinese when nothing matches.
    pub fn negotiate(headers: &HeaderMap) -> Lang {
        let Some(value) = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Zh;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut bits = part.trim().split(';');
            let tag = bits.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = bits
                .find_map(|b| {
                    b.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Lang::Zh
            } else if tag.starts_with("en") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Zh)
    }

    /// The text for `key` in this language; the key itself if the table lacks it (a
    /// test checks every key the templates use is in the table).
    pub fn t(self, key: &str) -> &'static str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => "??",
        }
    }
}

/// Every UI text: key, Chinese, English.
pub const TEXTS: &[(&str, &str, &str)] = &[
    (
        "site.name",
        "示范市政务服务平台",
        "Demo City Government Services",
    ),
    ("site.skip", "跳到主要内容", "Skip to main content"),
    ("site.lang_toggle", "English", "中文"),
    (
        "site.footer",
        "govops 开源数字政府运营平台",
        "govops, the open-source digital-government platform",
    ),
    ("nav.home", "首页", "Home"),
    ("nav.login", "登录", "Sign in"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.register", "注册", "Register"),
    ("nav.signed_in_as", "当前用户", "Signed in as"),
    ("index.title", "一网通办", "One-stop government services"),
    (
        "index.lead",
        "在线办理政务服务，各部门并联审批，进度全程可查。",
        "Apply for government services online; departments approve in parallel and you can follow every step.",
    ),
    (
        "index.transparency",
        "审计日志公开校验点",
        "Public journal checkpoint",
    ),
    ("index.departments", "部门", "Departments"),
    ("index.entries", "条记录", "entries"),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.no_account", "还没有账号？", "No account yet?"),
    (
        "login.demo_hint",
        "演示账号见 README；密码均为 govops-demo-2026。",
        "Demo logins are listed in the README; each uses the password govops-demo-2026.",
    ),
    ("register.title", "个人用户注册", "Register as a citizen"),
    ("register.name", "姓名", "Full name"),
    (
        "register.resident_id",
        "居民身份证号码",
        "Resident ID number",
    ),
    (
        "register.resident_id_hint",
        "18 位，最后一位可以是 X",
        "18 characters; the last may be X",
    ),
    ("register.phone", "手机号码", "Mobile phone"),
    (
        "register.username_hint",
        "3–32 位小写字母、数字、. _ -",
        "3–32 lowercase letters, digits, . _ -",
    ),
    (
        "register.password_hint",
        "至少 8 个字符，不能是常见密码",
        "At least 8 characters; common passwords are refused",
    ),
    (
        "register.password_confirm",
        "再次输入密码",
        "Password again",
    ),
    ("register.submit", "注册并登录", "Register and sign in"),
    ("error.summary", "提交的内容有问题", "There is a problem"),
    ("error.title", "出错了", "Something went wrong"),
    ("error.back", "返回首页", "Back to the home page"),
    ("home.title", "我的首页", "My home"),
    ("home.roles", "您的角色", "Your roles"),
    ("home.open", "进入", "Open"),
    ("portal.title", "个人办事", "My services"),
    ("portal.profile", "个人信息", "My details"),
    ("enterprise.title", "企业办事", "Enterprise services"),
    (
        "enterprise.acting_for",
        "您可代表以下企业办事",
        "You may act for these enterprises",
    ),
    ("workbench.title", "工作台", "Workbench"),
    ("workbench.departments", "所在部门", "Your departments"),
    ("workbench.no_tasks", "暂无待办。", "No tasks waiting."),
    ("department.title", "部门概览", "Department overview"),
    ("department.staff", "人员与角色", "Staff and roles"),
    ("ops.title", "运营概览", "Operations overview"),
    ("ops.accounts", "账号", "Accounts"),
    ("ops.persons", "自然人", "People"),
    ("ops.enterprises", "企业", "Enterprises"),
    ("ops.sessions", "在线会话", "Active sessions"),
    ("steward.title", "数据管理", "Data stewardship"),
    (
        "steward.departments",
        "您负责的部门数据",
        "Departments whose data you look after",
    ),
    ("audit.title", "审计日志", "Journal"),
    (
        "audit.checkpoint",
        "最新签名校验点",
        "Latest signed checkpoint",
    ),
    ("audit.entries", "最近记录", "Recent entries"),
    ("audit.older", "更早的记录", "Older entries"),
    (
        "audit.none",
        "尚无签名校验点。",
        "No signed checkpoint yet.",
    ),
    ("admin.title", "系统管理", "System administration"),
    ("admin.backend", "数据库", "Database"),
    ("admin.journal", "审计日志条数", "Journal entries"),
    ("admin.vkey", "校验点验证公钥", "Checkpoint verifier key"),
    ("col.index", "序号", "Index"),
    ("col.time", "时间", "Time"),
    ("col.actor", "操作者", "Actor"),
    ("col.action", "操作", "Action"),
    ("col.subject", "对象", "Subject"),
    ("col.code", "代码", "Code"),
    ("col.name", "名称", "Name"),
    ("col.parent", "上级", "Parent"),
    ("col.credit_code", "统一社会信用代码", "Credit code"),
    ("col.role", "角色", "Role"),
    ("col.size", "大小", "Size"),
    ("col.root", "根哈希", "Root hash"),
    ("services.title", "办事服务", "Services"),
    (
        "services.lead",
        "按人生事件、部门或事项类型查找服务，或直接搜索。每项服务都有办事指南。",
        "Find a service by life event, department or type, or search for it. Every service has a guide.",
    ),
    ("services.search", "搜索服务", "Search the services"),
    (
        "services.search_hint",
        "输入服务名称、部门或关键词，中文或英文均可",
        "A service name, a department or a keyword, in Chinese or English",
    ),
    ("services.search_submit", "搜索", "Search"),
    ("services.results", "找到的服务", "Services found"),
    ("services.clear", "清除所有筛选条件", "Clear every filter"),
    (
        "services.none",
        "没有符合条件的服务。请换个关键词，或清除筛选条件。",
        "No service matches. Try other words, or clear the filters.",
    ),
    ("services.by_life_event", "按人生事件", "By life event"),
    ("services.by_department", "按部门", "By department"),
    ("services.by_category", "按事项类型", "By type"),
    (
        "services.chosen",
        "已选（再点一次取消）",
        "chosen (follow again to remove)",
    ),
    ("guide.title", "办事指南", "Service guide"),
    ("guide.back", "返回服务列表", "Back to the list of services"),
    ("guide.basics", "基本信息", "At a glance"),
    ("guide.bundle", "一件事", "one-stop bundle"),
    ("guide.department", "实施部门", "Department"),
    ("guide.category", "事项类型", "Type"),
    ("guide.applicant", "服务对象", "Who may apply"),
    ("guide.promised", "承诺时限", "Promised time limit"),
    ("guide.statutory", "法定时限", "Statutory time limit"),
    (
        "guide.statutory_bundle",
        "各事项中最长者",
        "the longest of its parts",
    ),
    ("guide.working_days", "个工作日", "working days"),
    ("guide.fee", "收费", "Fee"),
    ("guide.free", "不收费", "Free"),
    ("guide.instant", "秒批", "Instant approval"),
    (
        "guide.instant_yes",
        "是：自动核验全部通过即时办结",
        "Yes: approved at once when every automated check passes",
    ),
    ("guide.yes", "是", "Yes"),
    ("guide.no", "否", "No"),
    ("guide.life_events", "人生事件", "Life events"),
    ("guide.version", "事项编码", "Service code"),
    ("guide.legal_basis", "设定依据", "Legal basis"),
    ("guide.parts", "包含的事项", "Services included"),
    (
        "guide.reject_continue",
        "一个事项不予许可时，其他事项照常办理。",
        "If one service is refused, the others still go ahead.",
    ),
    (
        "guide.reject_cancel_all",
        "一个事项不予许可时，其他事项一并终止。",
        "If one service is refused, the others are stopped too.",
    ),
    ("guide.materials", "申请材料", "Materials"),
    (
        "guide.no_materials",
        "无需提交材料。",
        "No materials are needed.",
    ),
    (
        "guide.exempt_hint",
        "标明“免提交”的材料由平台从共享数据或您已持有的电子证照中获取，您无需提交。",
        "Materials marked “no need to submit” are read by the platform from shared data or a licence you hold; you submit nothing.",
    ),
    ("guide.required", "必需", "Required"),
    ("guide.how", "提交方式", "How it is provided"),
    ("guide.for_part", "所属事项", "For"),
    ("guide.exempt", "免提交", "No need to submit"),
    (
        "guide.from_shared",
        "由共享数据提供",
        "read from shared data",
    ),
    (
        "guide.from_licence",
        "由您持有的电子证照提供",
        "your licence is used",
    ),
    ("guide.upload", "上传文件", "Upload a file"),
    ("guide.fields", "需要填写的信息", "What the form asks"),
    (
        "guide.fields_hint",
        "申请时将询问以下信息；平台已掌握的信息会预先填好。",
        "The application asks for the following; what the platform already holds is filled in for you.",
    ),
    ("guide.question", "信息项", "Question"),
    ("guide.type", "类型", "Kind of answer"),
    ("guide.notes", "说明", "Notes"),
    ("guide.choices", "可选", "Choices"),
    ("guide.prefilled", "自动预填", "filled in for you"),
    ("guide.used_by", "用于", "Used by"),
    ("guide.steps", "办理流程", "Steps"),
    ("guide.stage", "环节", "Stage"),
    (
        "guide.parallel",
        "以下部门同时办理",
        "these departments work at the same time",
    ),
    ("guide.step_limit", "环节时限", "Time limit"),
    ("guide.step_actions", "办理结果", "Possible decisions"),
    ("guide.after", "前置环节", "After"),
    ("guide.action.approve", "同意", "approve"),
    ("guide.action.reject", "不予许可", "refuse"),
    ("guide.action.return", "退回补正", "return for correction"),
    ("guide.action.transfer", "转办", "transfer"),
    ("guide.action.other", "其他", "other"),
    ("guide.checks", "自动核验", "Automated checks"),
    ("guide.algorithm", "算法备案号", "Registered algorithm"),
    (
        "guide.check_fails",
        "未通过时的提示",
        "What you are told if it fails",
    ),
    ("guide.results", "办理结果", "Result"),
    ("guide.result_licence", "电子证照", "E-licence"),
    ("guide.result_letter", "决定书", "Decision letter"),
    ("guide.enquiries", "咨询", "Where to ask"),
    ("field.text", "文字", "Text"),
    ("field.number", "数字", "Number"),
    ("field.date", "日期", "Date"),
    ("field.choice", "选择", "Choice"),
    ("field.resident_id", "居民身份证号码", "Resident ID number"),
    (
        "field.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    ("field.phone", "电话号码", "Phone number"),
    ("field.address", "地址", "Address"),
    ("field.file", "文件", "File"),
    ("field.other", "其他", "Other"),
    ("workbench.tasks", "待办事项", "Tasks waiting"),
    ("workbench.select", "选择", "Select"),
    ("workbench.days_left", "剩余工作日", "Working days left"),
    ("workbench.red", "已到期或超期", "due or overdue"),
    ("workbench.yellow", "即将到期", "due soon"),
    ("workbench.green", "正常", "on time"),
    (
        "workbench.bulk_approve",
        "批量同意所选（仅自动核验全部通过的）",
        "Approve the selected (only those that passed every automated check)",
    ),
    ("workbench.bulk_done", "已批量同意", "Approved in bulk"),
    ("cases.title", "我的办件", "My applications"),
    (
        "cases.none",
        "您还没有办件。",
        "You have no applications yet.",
    ),
    ("notices.title", "站内消息", "Notices"),
    ("notices.none", "暂无消息。", "No notices."),
    ("notices.mark_read", "全部标为已读", "Mark all as read"),
    ("case.number", "办件编号", "Case number"),
    ("case.service", "事项", "Service"),
    ("case.step", "环节", "Step"),
    ("case.applicant", "申请人", "Applicant"),
    ("case.deadline", "办理期限", "Deadline"),
    ("case.status", "状态", "Status"),
    ("case.submitted", "提交时间", "Submitted"),
    ("case.version", "事项版本", "Definition version"),
    ("case.parts", "各事项结果", "Result of each service"),
    ("case.provisional", "暂定", "provisional"),
    ("case.returned_note", "请补正：", "Please correct:"),
    ("case.fields_to_fix", "需补正的字段", "Fields to correct"),
    ("case.correct", "补正材料", "Correct your application"),
    ("case.resubmit", "重新提交", "Resubmit"),
    ("case.tasks", "办理环节", "Steps"),
    ("case.department", "部门", "Department"),
    ("case.act_on", "办理环节：", "Act on step:"),
    ("case.approve", "同意", "Approve"),
    ("case.reject", "不予许可", "Reject"),
    (
        "case.reject_reason",
        "不予许可的理由（申请人可见）",
        "Reason for rejecting (shown to the applicant)",
    ),
    ("case.return", "退回补正", "Return for correction"),
    (
        "case.return_note",
        "给申请人的说明",
        "Note to the applicant",
    ),
    ("case.transfer", "转办", "Transfer"),
    ("case.transfer_to", "转办至部门", "Transfer to department"),
    ("case.form", "申请内容", "Application"),
    ("case.reveal", "查看完整信息", "Reveal"),
    (
        "case.reveal_reason",
        "查看理由（将被记录）",
        "Reason to reveal (recorded)",
    ),
    ("case.check_passed", "通过", "passed"),
    (
        "case.check_failed",
        "未通过，需人工审核",
        "not passed; an official decides",
    ),
    ("case.timeline", "办理进度", "Timeline"),
    ("case.withdraw", "撤回申请", "Withdraw the application"),
    (
        "case.notice.submitted",
        "申请已提交。",
        "Your application was submitted.",
    ),
    ("case.notice.acted", "已办理。", "Done."),
    (
        "case.notice.withdrawn",
        "申请已撤回。",
        "The application was withdrawn.",
    ),
    (
        "case.notice.resubmitted",
        "补正后已重新提交。",
        "Resubmitted with your corrections.",
    ),
    ("case.status.draft", "草稿", "draft"),
    ("case.status.submitted", "已提交", "submitted"),
    ("case.status.in_progress", "办理中", "in progress"),
    ("case.status.returned", "待补正", "returned for correction"),
    ("case.status.completed", "已办结", "completed"),
    (
        "case.status.partially_rejected",
        "部分不予许可",
        "partly rejected",
    ),
    ("case.status.rejected", "不予许可", "rejected"),
    ("case.status.withdrawn", "已撤回", "withdrawn"),
    ("case.status.pending", "办理中", "pending"),
    ("case.status.approved", "已同意", "approved"),
    ("case.status.cancelled", "已取消", "cancelled"),
    ("task.status.open", "待办", "open"),
    (
        "task.status.suspended",
        "暂停（待补正）",
        "paused (awaiting correction)",
    ),
    ("task.status.returned", "已退回补正", "returned"),
    ("task.status.approved", "已同意", "approved"),
    ("task.status.rejected", "不予许可", "rejected"),
    ("task.status.cancelled", "已取消", "cancelled"),
    (
        "notice.case.submitted",
        "已受理申请",
        "Application received",
    ),
    ("notice.case.task_approved", "环节已同意", "Step approved"),
    ("notice.case.task_rejected", "环节不予许可", "Step rejected"),
    ("notice.case.returned", "请补正", "Please correct"),
    ("notice.case.resubmitted", "已重新提交", "Resubmitted"),
    ("notice.case.task_transferred", "已转办", "Transferred"),
    (
        "notice.case.deadline_changed",
        "办理期限已调整",
        "Deadline changed",
    ),
    (
        "notice.case.part_closed",
        "一件事中的事项已办结",
        "A service of the bundle finished",
    ),
    ("notice.case.withdrawn", "已撤回", "Withdrawn"),
    ("notice.case.closed", "办件已办结", "Case finished"),
    ("notice.task.due_soon", "待办即将到期", "Task due soon"),
    ("notice.task.overdue", "待办已超期", "Task overdue"),
    ("event.submitted", "提交申请", "Submitted"),
    ("event.auto_checked", "自动核验", "Automated checks ran"),
    ("event.task_opened", "环节开始", "Step opened"),
    ("event.task_approved", "同意", "Approved"),
    ("event.task_rejected", "不予许可", "Rejected"),
    ("event.task_returned", "退回补正", "Returned for correction"),
    ("event.resubmitted", "重新提交", "Resubmitted"),
    ("event.task_reopened", "环节重新开始", "Step reopened"),
    ("event.task_transferred", "转办", "Transferred"),
    ("event.task_cancelled", "环节取消", "Step cancelled"),
    ("event.reminder_sent", "到期提醒", "Due-soon reminder"),
    ("event.escalated", "超期督办", "Escalated to the head"),
    (
        "event.deadline_recomputed",
        "期限重算",
        "Deadline recomputed",
    ),
    ("event.part_closed", "事项办结", "Service finished"),
    ("event.withdrawn", "撤回", "Withdrawn"),
    ("event.closed", "办结", "Finished"),
    (
        "event.field_revealed",
        "查看了完整信息",
        "A masked value was revealed",
    ),
    ("apply.title", "在线申请", "Apply online"),
    ("apply.applicant", "申请人", "Applying for"),
    ("apply.fields", "申请信息", "Your details"),
    ("apply.optional", "选填", "optional"),
    ("apply.to_correct", "需补正", "to correct"),
    (
        "apply.prefilled",
        "已根据平台已有信息填写，请核对。",
        "Filled in from what the platform already knows; please check it.",
    ),
    ("apply.choose", "请选择", "Choose"),
    ("apply.formats", "可上传格式", "Accepted formats"),
    ("apply.max_size", "不超过 10 MiB", "at most 10 MiB"),
    ("apply.uploaded", "已上传", "Uploaded"),
    (
        "apply.shared",
        "免提交：由部门共享数据提供",
        "No need to submit: provided from shared data",
    ),
    (
        "apply.licence",
        "免提交：以电子证照互认",
        "No need to submit: your e-licence is accepted",
    ),
    ("apply.submit", "提交申请", "Submit the application"),
    ("apply.save", "保存草稿", "Save as draft"),
    ("apply.saved", "草稿已保存。", "Draft saved."),
    ("apply.guide_link", "查看办事指南", "Read the service guide"),
    ("apply.draft_from", "草稿保存于", "draft saved at"),
    ("apply.start", "在线申请", "Apply online"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn accept_language_picks_the_highest_quality_known_language() {
        let mut h = HeaderMap::new();
        h.insert(
            "accept-language",
            HeaderValue::from_static("fr;q=1.0, en-GB;q=0.8, zh-CN;q=0.5"),
        );
        assert_eq!(Lang::negotiate(&h), Lang::En);
        h.insert(
            "accept-language",
            HeaderValue::from_static("zh-TW, en;q=0.9"),
        );
        assert_eq!(Lang::negotiate(&h), Lang::Zh);
        h.insert("accept-language", HeaderValue::from_static("de"));
        assert_eq!(Lang::negotiate(&h), Lang::Zh);
    }

    #[test]
    fn every_key_used_in_templates_and_code_is_in_the_table() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in text.split("page.t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                checked += 1;
                if !TEXTS.iter().any(|(k, _, _)| *k == key) {
                    missing.push(key.to_string());
                }
            }
        }
        assert!(checked > 20, "too few keys found: {checked}");
        assert!(missing.is_empty(), "keys missing from TEXTS: {missing:?}");
    }

    #[test]
    fn no_key_is_listed_twice() {
        let mut keys: Vec<_> = TEXTS.iter().map(|t| t.0).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len());
    }
}
