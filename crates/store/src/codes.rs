//! Random codes people type from paper: residents' voting codes and complaint tracking numbers.

/// Digits and capitals without 0/O and 1/I, which are mistaken for one another (32 symbols: 5 bits each).
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// `len` symbols from [`ALPHABET`], from the operating system's random source (each byte's low 5 bits
/// pick a symbol: unbiased, 5 bits of entropy per symbol).
pub fn random(len: usize) -> String {
    jiugai_domain::random::code(ALPHABET, len)
}

/// A code as a person types it → its letters and digits in upper case: full-width characters (typed with a
/// Chinese input method) made ASCII, spaces, dashes and other punctuation dropped.
pub fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_typed_back() {
        let c = super::random(12);
        assert_eq!(c.len(), 12);
        assert!(c.bytes().all(|b| super::ALPHABET.contains(&b)));
        assert_eq!(super::normalize(&format!(" {}-{} ", &c[..6].to_lowercase(), &c[6..])), c);
        assert_eq!(super::normalize("ＡＢ１２-cd"), "AB12CD");
    }
}
