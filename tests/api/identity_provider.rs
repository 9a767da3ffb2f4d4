//! Tokens signed by the county's identity provider (RS256 or ES256) when its public key is
//! configured: accepted with the key's one algorithm, refused with any other.

use std::path::Path;
use std::process::Command;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

use crate::helpers::*;

/// Makes a PKCS#8 key pair with the openssl command line (part of every Debian system).
fn key_pair(dir: &Path, generate: &[&str]) -> (Vec<u8>, std::path::PathBuf) {
    let private = dir.join("key.pem");
    let public = dir.join("pub.pem");
    let status =
        Command::new("openssl").arg("genpkey").args(generate).arg("-out").arg(&private).status().expect("openssl runs");
    assert!(status.success());
    let status = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .arg("-out")
        .arg(&public)
        .status()
        .expect("openssl runs");
    assert!(status.success());
    (std::fs::read(&private).unwrap(), public)
}

#[tokio::test]
async fn identity_provider_tokens_are_accepted_only_with_the_algorithm_of_its_key() {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": "idp-user", "role": "LEADER", "iss": "rectify", "aud": "rectify-api", "iat": now, "exp": now + 600 });
    let cases: [(&[&str], Algorithm, Algorithm); 2] = [
        (&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], Algorithm::ES256, Algorithm::RS256),
        (&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], Algorithm::RS256, Algorithm::ES256),
    ];
    for (generate, algorithm, other) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (private, public) = key_pair(dir.path(), generate);
        let app = spawn_app_with(|s| s.auth.jwt_public_key = Some(public.clone())).await;
        let key = match algorithm {
            Algorithm::ES256 => EncodingKey::from_ec_pem(&private).unwrap(),
            _ => EncodingKey::from_rsa_pem(&private).unwrap(),
        };
        let token = encode(&Header::new(algorithm), &claims, &key).unwrap();
        let reply = app.gql(Some(&token), "{ viewer { subject role } }", json!({})).await.ok();
        assert_eq!(reply.data("viewer.subject"), "idp-user", "{algorithm:?}");

        // The same signature relabelled as the other asymmetric algorithm is refused.
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        use base64::Engine;
        parts[0] =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{other:?}","typ":"JWT"}}"#));
        let reply = app.gql(Some(&parts.join(".")), "{ viewer { subject } }", json!({})).await;
        assert_eq!((reply.status, reply.code()), (401, "UNAUTHENTICATED"), "{other:?} with a {algorithm:?} key");

        // Our own HS256 tokens keep working beside the provider's.
        app.gql(Some(&app.bureau()), "{ viewer { subject } }", json!({})).await.ok();
    }
}
