//! JSON Web Tokens: issued with HS256, verified strictly.
//!
//! The algorithm comes from our configuration, never from the token: HS256 with our secret,
//! plus RS256 or ES256 only when the county's identity provider key is configured. `exp`,
//! `iat`, `iss`, `aud` and `sub` are required; `nbf` is checked when present; a token may live
//! (`exp - iat`) no longer than the configured maximum, whoever signed it.

use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use entity::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use lru::LruCache;
use serde::{Deserialize, Serialize};

use crate::config::AuthSettings;

/// Clock skew tolerated on `exp` and `nbf` (the contract allows at most 60 s).
const LEEWAY_SECONDS: u64 = 30;
const MIN_SECRET_BYTES: usize = 32;

/// Fails with a clear message when jsonwebtoken was built with no crypto backend, or with two
/// through feature unification: it would otherwise panic at the first token.
pub fn ensure_crypto_backend() -> anyhow::Result<()> {
    if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
        bail!(
            "jsonwebtoken has no usable crypto backend: exactly one of its features `rust_crypto` \
             or `aws_lc_rs` must be enabled (check `cargo tree -e features -i jsonwebtoken`)"
        );
    }
    Ok(())
}

/// The verified claims of a token, before the department code is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub sub: String,
    pub role: Role,
    pub dept: Option<String>,
    pub name: Option<String>,
    /// When the token was issued (`iat`), in seconds since the epoch.
    pub issued_at: i64,
    /// When the token expires (`exp`), in seconds since the epoch: a live connection opened
    /// with it is closed then.
    pub expires_at: i64,
    /// The local user the token was issued to by `login` (`uid`), if it was.
    pub user_id: Option<i64>,
}

/// Why a token was refused; the message is safe to show to the client.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub String);

/// A freshly signed token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct IncomingClaims {
    sub: String,
    role: String,
    #[serde(default)]
    dept: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// Required, but checked here rather than by serde, to say what is missing.
    #[serde(default)]
    iat: Option<i64>,
    exp: i64,
    #[serde(default)]
    uid: Option<i64>,
}

#[derive(Serialize)]
struct OutgoingClaims<'a> {
    sub: &'a str,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    dept: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<i64>,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

pub struct TokenService {
    encoding: EncodingKey,
    hs_decoding: DecodingKey,
    /// The identity provider's key and the one algorithm accepted with it.
    provider: Option<(Algorithm, DecodingKey)>,
    issuer: String,
    audience: String,
    max_lifetime: Duration,
    /// The secret, kept only to derive keys every instance that shares it agrees on.
    secret: crate::config::Secret,
    /// Tokens verified lately, by their whole text, with their claims. A token's signature,
    /// issuer, audience and lifetime cannot change, so a token seen again needs only the check
    /// that time changes: that it has not expired. Verifying it in full (its signature, its
    /// JSON) was 4% of an `issue(id)` answer's instructions.
    verified: Mutex<LruCache<String, TokenClaims>>,
}

/// How many verified tokens are remembered: a client sends the same token for its whole life.
const VERIFIED_TOKENS: usize = 4096;

impl TokenService {
    /// Builds the service from settings; `secret` is the HS256 key already chosen by the caller.
    pub fn new(settings: &AuthSettings, secret: &str) -> anyhow::Result<Self> {
        if secret.len() < MIN_SECRET_BYTES {
            bail!("RECTIFY_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long");
        }
        let provider = settings.jwt_public_key.as_deref().map(load_public_key).transpose()?;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()).context("preparing the signing key")?,
            hs_decoding: DecodingKey::from_secret(secret.as_bytes()).context("preparing the verification key")?,
            provider,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            max_lifetime: settings.max_lifetime,
            secret: crate::config::Secret::new(secret),
            verified: Mutex::new(LruCache::new(NonZeroUsize::new(VERIFIED_TOKENS).expect("a positive capacity"))),
        })
    }

    /// A key for `purpose` that every instance with the same `RECTIFY_JWT_SECRET` derives
    /// alike and that tells nothing of the secret: HMAC-SHA256 of the purpose under it.
    pub fn derived_key(&self, purpose: &str) -> [u8; 32] {
        super::hmac_sha256(self.secret.expose().as_bytes(), purpose.as_bytes())
    }

    /// The longest a token may live (`RECTIFY_JWT_MAX_LIFETIME`).
    pub fn max_lifetime(&self) -> Duration {
        self.max_lifetime
    }

    /// Signs a token for `sub` acting as `role`, for operators and scripts; a lifetime over
    /// the maximum is refused.
    pub fn issue(
        &self,
        sub: &str,
        role: Role,
        dept: Option<&str>,
        name: Option<&str>,
        ttl: Duration,
    ) -> anyhow::Result<IssuedToken> {
        self.sign(None, sub, role, dept, name, ttl)
    }

    /// Signs a token for the local user `user_id` (whose username is `sub`): every request
    /// with it checks that the user still exists, is active and has this role.
    pub fn issue_for_user(
        &self,
        user_id: i64,
        sub: &str,
        role: Role,
        dept: Option<&str>,
        name: Option<&str>,
        ttl: Duration,
    ) -> anyhow::Result<IssuedToken> {
        self.sign(Some(user_id), sub, role, dept, name, ttl)
    }

    fn sign(
        &self,
        uid: Option<i64>,
        sub: &str,
        role: Role,
        dept: Option<&str>,
        name: Option<&str>,
        ttl: Duration,
    ) -> anyhow::Result<IssuedToken> {
        if ttl > self.max_lifetime {
            bail!(
                "a token may live at most {} s (RECTIFY_JWT_MAX_LIFETIME); {} s was asked for",
                self.max_lifetime.as_secs(),
                ttl.as_secs()
            );
        }
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(ttl).context("token lifetime too long")?;
        let claims = OutgoingClaims {
            sub,
            role,
            dept,
            name,
            uid,
            iss: &self.issuer,
            aud: &self.audience,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).context("signing a token")?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Verifies signature, algorithm, expiry, not-before, issuer and audience, then the role;
    /// a token verified before is only checked for expiry.
    pub fn verify(&self, token: &str) -> Result<TokenClaims, TokenError> {
        if let Some(claims) = self.remembered(token, Utc::now().timestamp()) {
            return Ok(claims);
        }
        let claims = self.verify_in_full(token)?;
        self.verified.lock().unwrap_or_else(PoisonError::into_inner).put(token.to_owned(), claims.clone());
        Ok(claims)
    }

    /// The claims of `token` if it was verified before and has not expired at `now`. Stricter
    /// than the full check, which allows the leeway: a token within its leeway is verified in
    /// full again, and the full check decides.
    fn remembered(&self, token: &str, now: i64) -> Option<TokenClaims> {
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        verified.get(token).filter(|claims| now < claims.expires_at).cloned()
    }

    fn verify_in_full(&self, token: &str) -> Result<TokenClaims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError("the token is malformed".into()))?;
        let key = match (&self.provider, header.alg) {
            (_, Algorithm::HS256) => &self.hs_decoding,
            (Some((alg, key)), requested) if *alg == requested => key,
            _ => return Err(TokenError("the token's algorithm is not accepted".into())),
        };
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let data = decode::<IncomingClaims>(token, key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            TokenError(
                match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidIssuer => "the token is for another issuer",
                    ErrorKind::InvalidAudience => "the token is for another audience",
                    ErrorKind::InvalidSignature => "the token's signature is wrong",
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is invalid",
                }
                .into(),
            )
        })?;
        let claims = data.claims;
        let role = serde_json::from_value::<Role>(serde_json::Value::String(claims.role))
            .map_err(|_| TokenError("the token names an unknown role".into()))?;
        if claims.sub.trim().is_empty() {
            return Err(TokenError("the token's subject is empty".into()));
        }
        if role == Role::Department && claims.dept.is_none() {
            return Err(TokenError("a DEPARTMENT token must name its department (`dept`)".into()));
        }
        let Some(issued_at) = claims.iat else {
            return Err(TokenError("the token lacks a required claim".into()));
        };
        let leeway = LEEWAY_SECONDS as i64;
        if issued_at > Utc::now().timestamp() + leeway {
            return Err(TokenError("the token was issued in the future".into()));
        }
        let max_lifetime = i64::try_from(self.max_lifetime.as_secs()).unwrap_or(i64::MAX);
        if claims.exp.saturating_sub(issued_at) > max_lifetime {
            return Err(TokenError(format!("the token lives longer than the {max_lifetime} s allowed")));
        }
        Ok(TokenClaims {
            sub: claims.sub,
            role,
            dept: claims.dept,
            name: claims.name,
            issued_at,
            expires_at: claims.exp,
            user_id: claims.uid,
        })
    }
}

/// Reads an RSA or EC public key; the key type fixes the one algorithm accepted with it.
fn load_public_key(path: &Path) -> anyhow::Result<(Algorithm, DecodingKey)> {
    let pem = std::fs::read(path).with_context(|| format!("reading RECTIFY_JWT_PUBLIC_KEY {}", path.display()))?;
    if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
        return Ok((Algorithm::RS256, key));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
        return Ok((Algorithm::ES256, key));
    }
    bail!("{} holds neither an RSA nor an EC public key in PEM form", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret-of-at-least-32-bytes!";

    #[test]
    fn a_token_verified_once_is_remembered_only_until_it_expires_and_a_refused_one_never() {
        let tokens = TokenService::new(&AuthSettings::defaults(), SECRET).unwrap();
        let issued = tokens.issue("alice", Role::Bureau, None, None, Duration::from_secs(600)).unwrap();
        let now = Utc::now().timestamp();
        assert!(tokens.remembered(&issued.token, now).is_none(), "not before it was verified");
        let claims = tokens.verify(&issued.token).unwrap();
        assert_eq!(tokens.remembered(&issued.token, now), Some(claims));
        assert!(tokens.remembered(&issued.token, issued.expires_at.timestamp()).is_none(), "not once it has expired");

        // Another token, however alike, is verified on its own: a character of the signature changed.
        let mut forged: Vec<char> = issued.token.chars().collect();
        let at = forged.len() - 10;
        forged[at] = if forged[at] == 'A' { 'B' } else { 'A' };
        let forged: String = forged.into_iter().collect();
        assert!(tokens.verify(&forged).is_err());
        assert!(tokens.remembered(&forged, now).is_none());
    }
}
