//! Who is asking: the session (cookie or bearer token), the language, and the CSRF token
//! their forms must carry.

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::CookieJar;
use govops_core::CoreError;
use govops_core::identity::{Principal, Session};

/// The session cookie.
pub const SESSION_COOKIE: &str = "govops_session";
/// The language cookie.
pub const LANG_COOKIE: &str = "govops_lang";
/// The CSRF cookie for visitors who are not signed in.
pub const CSRF_COOKIE: &str = "govops_csrf";
/// The header API clients using the session cookie send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A CSRF token created for this request when the visitor had none yet; the security
/// middleware sets it as a cookie on the response.
#[derive(Debug, Clone)]
pub struct FreshCsrf(pub String);

/// A person looking at pages.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The live session, if signed in.
    pub session: Option<Session>,
    /// The UI language.
    pub lang: Lang,
    /// The token this viewer's forms carry.
    pub csrf: String,
    /// Why a session cookie was present but no session: expired, or signed out.
    pub session_notice: Option<&'static str>,
}

impl Viewer {
    /// Who is signed in.
    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|s| &s.principal)
    }

    /// Turns a core error into an error page in this viewer's language.
    pub fn fail(&self, error: CoreError) -> PageError {
        PageError {
            error,
            lang: self.lang,
        }
    }

    /// Checks the CSRF token a form carried.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if !token.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(self.fail(CoreError::forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and submit it again.",
            ).with_code("csrf.invalid")))
        }
    }
}

trait WithCode {
    fn with_code(self, code: &'static str) -> Self;
}
impl WithCode for CoreError {
    fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The language of a request: the toggle's cookie, else `Accept-Language`.
pub fn lang_of(jar: &CookieJar, headers: &HeaderMap) -> Lang {
    jar.get(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .unwrap_or_else(|| Lang::negotiate(headers))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = lang_of(&jar, &parts.headers);
        let mut session_notice = None;
        let session = match jar.get(SESSION_COOKIE) {
            Some(c) => match state.platform.session(c.value()).await {
                Ok(s) => Some(s),
                Err(e) if e.kind == govops_core::ErrorKind::Unauthenticated => {
                    session_notice = Some(e.code);
                    None
                }
                Err(e) => return Err(PageError { error: e, lang }),
            },
            None => None,
        };
        let csrf = match &session {
            Some(s) => s.csrf.clone(),
            None => parts
                .extensions
                .get::<FreshCsrf>()
                .map(|f| f.0.clone())
                .or_else(|| jar.get(CSRF_COOKIE).map(|c| c.value().to_string()))
                .unwrap_or_default(),
        };
        Ok(Viewer {
            session,
            lang,
            csrf,
            session_notice,
        })
    }
}

/// A program calling the JSON API: by bearer token, or by session cookie plus the CSRF
/// header for anything that changes state.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The live session, if any.
    pub session: Option<Session>,
}

impl ApiCaller {
    /// Who is calling.
    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|s| &s.principal)
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            let session = state.platform.session(token).await?;
            return Ok(ApiCaller {
                session: Some(session),
            });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Ok(ApiCaller { session: None });
        };
        let session = state.platform.session(cookie.value()).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
                return Err(ApiError(CoreError::forbidden(
                    "A request authenticated by the session cookie must carry the X-CSRF-Token header; \
                     use a bearer token for programs.",
                ).with_code("csrf.invalid")));
            }
        }
        Ok(ApiCaller {
            session: Some(session),
        })
    }
}

/// The client's address, for rate limiting and the journal: the TCP peer, or "unknown"
/// when there is none (in-process tests).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(addr))
    }
}
