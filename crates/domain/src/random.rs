//! Random codes from the operating system's random source, without modulo bias.

/// `len` symbols drawn uniformly from `alphabet` (rejection sampling: a byte that would bias the draw is
/// thrown away and another taken).
pub fn code(alphabet: &[u8], len: usize) -> String {
    assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let n = alphabet.len();
    // The largest multiple of n not above 256: bytes at or above it are rejected.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        for &b in &buf {
            if (b as usize) < limit {
                out.push(alphabet[b as usize % n] as char);
                if out.len() == len {
                    break;
                }
            }
        }
    }
    out
}

/// Fills `buf` from the operating system's random source.
pub fn fill(buf: &mut [u8]) {
    getrandom::fill(buf).expect("operating system random source");
}

/// `n` random bytes as lower-case hex (session ids, tokens).
pub fn hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    fill(&mut b);
    crate::digest::hex(&b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn uniform_enough_and_from_the_alphabet() {
        let a = b"abc";
        let s = super::code(a, 30_000);
        assert!(s.bytes().all(|b| a.contains(&b)));
        for c in a {
            let k = s.bytes().filter(|b| b == c).count();
            assert!((9_000..11_000).contains(&k), "{k}");
        }
        assert_eq!(super::hex(8).len(), 16);
    }
}
