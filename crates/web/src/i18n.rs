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
    (
        "apply.fill_for",
        "按此申请人填写",
        "Fill in for this applicant",
    ),
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
    ("case.licences", "已发电子证照", "E-licences issued"),
    ("case.recognised", "证照互认", "Accepted e-licences"),
    (
        "case.recognised_ok",
        "签名、状态、类型和持有人已核验",
        "signature, status, type and holder verified",
    ),
    (
        "notice.licence.issued",
        "电子证照已发放至我的证照",
        "An e-licence was issued to your wallet",
    ),
    // E-licences: wallet, presentation, verify, the issuing department's pages.
    ("licence.wallet.title", "我的证照", "My licences"),
    (
        "licence.wallet.lead",
        "由发证部门签发的电子证照，任何人都可以离线核验。",
        "Electronic licences signed by the issuing departments; anyone can verify them, even offline.",
    ),
    (
        "licence.wallet.empty",
        "您还没有电子证照。",
        "You hold no e-licences yet.",
    ),
    ("licence.type", "证照类型", "Licence type"),
    ("licence.identifier", "证照标识", "Licence identifier"),
    ("licence.department", "发证部门", "Issued by"),
    ("licence.issued", "签发日期", "Issued"),
    ("licence.valid_until", "有效期至", "Valid until"),
    ("licence.status", "状态", "Status"),
    ("licence.status.valid", "有效", "Valid"),
    ("licence.status.revoked", "已吊销", "Revoked"),
    ("licence.status.suspended", "已暂扣", "Suspended"),
    ("licence.long_term", "长期", "Long-term"),
    ("licence.status_reason", "原因", "Reason"),
    ("licence.claims", "证照内容", "What the licence says"),
    ("licence.claim", "项目", "Field"),
    ("licence.value", "内容", "Value"),
    ("licence.always_shown", "始终出示", "Always shown"),
    (
        "licence.download",
        "下载证照（SD-JWT 文件）",
        "Download the licence (SD-JWT file)",
    ),
    ("licence.back_wallet", "返回我的证照", "Back to my licences"),
    ("licence.present.title", "出示证照", "Present this licence"),
    (
        "licence.present.hint",
        "勾选要出示的项目；未勾选的项目不会透露给核验方。",
        "Tick what to show; what you leave unticked is not revealed to the verifier.",
    ),
    ("licence.present.audience", "核验方", "Verifier"),
    (
        "licence.present.audience_hint",
        "核验方的标识（网址）；默认是本平台的核验页面。",
        "The verifier's identifier (a web address); by default this platform's verify page.",
    ),
    (
        "licence.present.submit",
        "生成出示码",
        "Make the presentation",
    ),
    ("licence.present.done", "证照出示码", "Your presentation"),
    (
        "licence.present.qr_alt",
        "证照出示二维码，扫码即可核验",
        "QR code of the presentation; scan it to verify",
    ),
    (
        "licence.present.no_qr",
        "内容过长，无法生成二维码；请使用下面的链接或文本。",
        "This is too long for a QR code; use the link or the text below.",
    ),
    ("licence.present.link", "核验链接", "Verification link"),
    (
        "licence.present.text",
        "出示内容（文本）",
        "The presentation as text",
    ),
    ("licence.present.shown", "出示的项目", "Shown"),
    ("licence.present.nonce", "一次性随机数", "Nonce"),
    (
        "licence.present.none_chosen",
        "仅出示始终出示的项目",
        "Only the fields that are always shown",
    ),
    ("verify.title", "证照核验", "Verify a licence"),
    (
        "verify.lead",
        "粘贴或扫描证照出示内容，核验签名、有效期和吊销状态。",
        "Paste or scan a licence presentation to check its signature, validity and revocation status.",
    ),
    ("verify.input", "出示内容", "Presentation"),
    ("verify.submit", "核验", "Verify"),
    ("verify.valid", "有效", "Valid"),
    ("verify.invalid", "无效", "Not valid"),
    ("verify.reason", "原因", "Reason"),
    ("verify.code", "结果代码", "Result code"),
    ("verify.disclosed", "出示的项目", "Fields shown"),
    (
        "verify.disclosed_by_holder",
        "持证人选择出示",
        "Chosen by the holder",
    ),
    ("verify.issuer", "签发方", "Issuer"),
    (
        "verify.bound",
        "出示对象与随机数",
        "Bound to verifier and nonce",
    ),
    ("manage.title", "证照管理", "Licences issued"),
    (
        "manage.lead",
        "本部门签发的电子证照；可以吊销、暂扣或恢复。",
        "Licences your department issued; you can revoke, suspend or reinstate them.",
    ),
    ("manage.empty", "暂无证照。", "No licences yet."),
    ("manage.holder", "持证主体", "Holder"),
    ("manage.change", "变更状态", "Change the status"),
    ("manage.action", "操作", "Action"),
    ("manage.revoke", "吊销（不可恢复）", "Revoke (final)"),
    ("manage.suspend", "暂扣", "Suspend"),
    ("manage.reinstate", "恢复", "Reinstate"),
    ("manage.reason", "原因", "Reason"),
    (
        "manage.reason_hint",
        "将记入审计日志并告知持证人。",
        "It is journaled and shown to the holder.",
    ),
    ("manage.submit", "确认变更", "Confirm the change"),
    (
        "manage.done",
        "状态已更新，状态列表已同步。",
        "The status is updated; the status list shows it.",
    ),
    ("manage.back", "返回证照列表", "Back to the list"),
    // The data hub (数据中台).
    ("data.after", "修复后", "After"),
    ("data.schema", "字段类型", "Column types"),
    ("data.request_grant", "申请共享", "Request access"),
    (
        "data.row_filter_hint",
        "可选，例如：district = 东城区, 朝阳区",
        "Optional, e.g. district = 东城区, 朝阳区",
    ),
    (
        "data.valid_days",
        "有效天数（1–366）",
        "Days in force (1–366)",
    ),
    (
        "data.ask_unmasked",
        "申请不脱敏访问（须说明用途，每次访问记入日志）",
        "Ask for unmasked values (the purpose is required; every read is journaled)",
    ),
    (
        "data.saved",
        "已保存，并已记入日志。",
        "Saved, and recorded in the journal.",
    ),
    (
        "data.change_types",
        "修改类型（生成新版本）",
        "Change the types (as a new version)",
    ),
    (
        "data.apply",
        "确认修复，生成新版本",
        "Apply as a new version",
    ),
    ("data.approve", "批准", "Approve"),
    ("data.approved_by", "批准人", "approved by"),
    ("data.bad_rows", "问题行", "Malformed rows"),
    ("data.before", "修复前", "Before"),
    ("data.card", "红黄牌", "Card"),
    ("data.card.red", "红牌", "Red card"),
    ("data.card.yellow", "黄牌", "Yellow card"),
    ("data.card.green", "良好", "Green"),
    ("data.card.none", "暂无评分", "No score yet"),
    ("data.catalogue", "数据资源目录", "Data catalogue"),
    ("data.cells", "个单元格", "cells"),
    ("data.check", "检查", "Check"),
    ("data.classification", "分类分级", "Classification"),
    ("data.close", "取消开放", "Stop publishing"),
    ("data.column", "字段", "Column"),
    ("data.columns", "字段", "Columns"),
    ("data.confirm", "确认分类分级", "Confirm classification"),
    ("data.created", "创建时间", "Created"),
    ("data.dataset", "数据集", "Dataset"),
    ("data.datasets", "数据集", "Datasets"),
    (
        "data.dcat",
        "DCAT-AP 开放数据目录 (JSON-LD)",
        "DCAT-AP open data catalogue (JSON-LD)",
    ),
    ("data.decision", "审批", "Decision"),
    (
        "data.dedup_keys",
        "去重主键（逗号分隔）",
        "De-duplicate by key columns (comma-separated)",
    ),
    ("data.dimension", "维度", "Dimension"),
    ("data.distinct", "不同值", "Distinct"),
    ("data.expired", "已过期", "expired"),
    ("data.failed", "未通过", "Failed"),
    (
        "data.failing_rows",
        "未通过的行（示例）",
        "Failing rows (first)",
    ),
    ("data.file", "文件", "File"),
    (
        "data.file_hint",
        "CSV（UTF-8 或 GB18030）、XLSX 或 Parquet",
        "CSV (UTF-8 or GB18030), XLSX or Parquet",
    ),
    ("data.fixes", "修复规则", "Fixes"),
    (
        "data.fixes_hint",
        "每行一条：字段名 修复方式（trim、half_width、iso_date、phone、upper_case）",
        "One per line: column fix (trim, half_width, iso_date, phone, upper_case)",
    ),
    ("data.frequency", "更新频率", "Update frequency"),
    ("data.grantee", "使用部门", "Using department"),
    ("data.grants", "共享授权", "Sharing grants"),
    ("data.history", "历史", "History"),
    ("data.in_force", "有效", "In force"),
    ("data.level", "数据级别", "Data level"),
    ("data.level.general", "一般数据", "General"),
    ("data.level.important", "重要数据", "Important"),
    ("data.level.core", "核心数据", "Core"),
    ("data.line", "文件行", "Line"),
    ("data.lineage", "血缘", "Lineage"),
    ("data.make_open", "作为开放数据发布", "Publish as open data"),
    ("data.mask", "脱敏方式", "Mask"),
    ("data.max", "最大值", "Max"),
    ("data.min", "最小值", "Min"),
    ("data.no", "否", "No"),
    ("data.no_datasets", "暂无数据集。", "No datasets yet."),
    ("data.no_grants", "暂无授权。", "No grants."),
    ("data.no_runs", "尚未进行质量检测。", "No quality run yet."),
    (
        "data.no_usage",
        "暂无部门使用共享数据。",
        "No department uses shared data yet.",
    ),
    ("data.note", "意见", "Note"),
    ("data.nulls", "空值 / 空白", "Nulls / blanks"),
    ("data.on_bad_row", "格式错误的行", "Malformed rows"),
    ("data.open", "开放", "Open"),
    ("data.owner", "责任部门", "Owner"),
    ("data.preview", "预览修复", "Preview the repair"),
    ("data.problem", "问题", "Problem"),
    ("data.profile", "数据画像", "Profile"),
    ("data.purpose", "用途", "Purpose"),
    ("data.quality", "数据质量", "Quality"),
    ("data.reason", "依据", "Reason"),
    ("data.refuse", "整个文件不予接收", "Refuse the whole file"),
    ("data.refuse_grant", "不予批准", "Refuse"),
    ("data.removed", "行被去除", "rows removed"),
    ("data.repair", "数据修复", "Repair"),
    ("data.revision", "版本", "revision"),
    ("data.row", "行号", "Row"),
    ("data.row_filter", "行过滤", "Row filter"),
    ("data.rows", "行数", "Rows"),
    ("data.rule", "规则", "Rule"),
    ("data.rules", "质量规则", "Quality rules"),
    (
        "data.rules_hint",
        "规则文件（TOML，每条规则一个 [[rule]]）",
        "Rule file (TOML, one [[rule]] per rule)",
    ),
    ("data.run_quality", "运行质量检测", "Run the quality check"),
    ("data.samples", "未通过的行", "Failing rows"),
    ("data.save_rules", "保存规则", "Save the rules"),
    ("data.score", "质量得分", "Quality score"),
    ("data.scorecards", "数据质量考核", "Data quality scorecards"),
    ("data.semantic", "语义类型", "Semantic type"),
    ("data.sensitivity", "敏感级别", "Sensitivity"),
    ("data.skip", "跳过并列出这些行", "Skip them and list them"),
    ("data.source", "来源", "Source"),
    ("data.status", "状态", "Status"),
    ("data.suggested", "建议", "suggested"),
    ("data.survivorship", "保留规则", "Survivorship rule"),
    ("data.thresholds", "考核阈值", "Thresholds"),
    ("data.title", "名称", "Title"),
    (
        "data.to_decide",
        "待审批的共享申请",
        "Grants waiting for your decision",
    ),
    ("data.top", "高频值", "Top values"),
    ("data.type", "类型", "Type"),
    ("data.unconfirmed", "待确认", "not confirmed"),
    ("data.unmasked", "不脱敏", "unmasked"),
    ("data.upload", "上传数据", "Upload data"),
    ("data.uploaded", "上传完成", "Uploaded"),
    ("data.usage", "谁在使用哪些数据", "Who uses what"),
    ("data.uses", "访问次数", "Reads"),
    ("data.version", "版本", "Version"),
    ("data.versions", "版本", "Versions"),
    ("data.yes", "是", "Yes"),
    ("data.dim.completeness", "完整性", "Completeness"),
    ("data.dim.validity", "有效性", "Validity"),
    ("data.dim.uniqueness", "唯一性", "Uniqueness"),
    ("data.dim.consistency", "一致性", "Consistency"),
    ("data.dim.timeliness", "及时性", "Timeliness"),
    ("data.dim.accuracy", "准确性", "Accuracy"),
    ("data.sens.public", "公开", "Public"),
    ("data.sens.internal", "内部", "Internal"),
    ("data.sens.personal", "个人信息", "Personal"),
    (
        "data.sens.sensitive_personal",
        "敏感个人信息",
        "Sensitive personal",
    ),
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
