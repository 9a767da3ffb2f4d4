//! Who is acting: tokens in and out, password hashes, and the `Actor` handed to every service.

mod actor;
mod password;
mod tokens;

pub use actor::{Actor, ClientAddress, Principal};
pub use password::{hash_password, verify_password};
pub use tokens::{IssuedToken, TokenClaims, TokenError, TokenService, ensure_crypto_backend};

/// HMAC-SHA256 of `data` under `key`: webhook signatures and the keys derived from the token
/// secret.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac =
        <hmac::Hmac<sha2_for_hmac::Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}
