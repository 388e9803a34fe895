//! Small helpers: cookies, random tokens, hashing, URL encoding.

use axum::http::HeaderMap;
use axum::http::header;

/// The value of cookie `name`.
pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    for v in h.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for part in s.split(';') {
            if let Some((k, val)) = part.trim().split_once('=')
                && k == name
            {
                return Some(val.to_string());
            }
        }
    }
    None
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    jiugai_domain::random::hex(n)
}

pub fn sha256_hex(s: &str) -> String {
    jiugai_domain::digest::sha256_hex(s.as_bytes())
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Constant-time comparison of two secrets.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `12345` dm² → `"123.45"`.
pub fn m2(dm2: Option<i64>) -> String {
    dm2.map(jiugai_domain::number::hundredths).unwrap_or_default()
}

/// A random password that reads well when printed: 4 groups of 4 from an unambiguous alphabet.
pub fn one_time_password() -> String {
    const ALPHA: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    // Drawn without modulo bias (rejection sampling in jiugai_domain::random::code).
    let chars: Vec<char> = jiugai_domain::random::code(ALPHA, 16).chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}
