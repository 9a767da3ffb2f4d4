//! The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a
//! 31-character set, the last a check character over the first 17.

/// The character set, in value order: digits and capitals without I, O, S, V and Z.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 positions (3^i mod 31).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Character,
    CheckCharacter,
}

impl CreditCodeError {
    pub fn message(self) -> &'static str {
        match self {
            CreditCodeError::Length => "a unified social credit code has 18 characters",
            CreditCodeError::Character => {
                "a unified social credit code uses only digits and the capitals A-Y without I, O, S, V"
            }
            CreditCodeError::CheckCharacter => {
                "the check character (the 18th) does not match the first 17: the code has a typing error"
            }
        }
    }
}

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (byte, weight) in bytes.iter().zip(WEIGHTS) {
        sum += value(*byte)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize] as char)
}

/// Validates a code; letters are accepted in lower case and returned in upper case.
pub fn validate(code: &str) -> Result<String, CreditCodeError> {
    let code = code.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err(CreditCodeError::Length);
    }
    if !code.bytes().all(|b| value(b).is_some()) {
        return Err(CreditCodeError::Character);
    }
    match check_character(&code[..17]) {
        Some(check) if code.ends_with(check) => Ok(code),
        _ => Err(CreditCodeError::CheckCharacter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes in the real format: registration authority, organisation type, a 6-digit
    /// administrative division and a 9-character organisation code, then the check character.
    const VALID: [&str; 4] = ["91350100M000100Y43", "91110108MA01KQX53G", "12100000400000624D", "91330106MA2GKPQ10B"];

    #[test]
    fn real_format_codes_pass() {
        for code in VALID {
            assert_eq!(validate(code), Ok(code.to_owned()), "{code}");
            assert_eq!(validate(&code.to_lowercase()), Ok(code.to_owned()));
        }
    }

    #[test]
    fn every_single_character_corruption_is_caught() {
        for code in VALID {
            for position in 0..18 {
                for replacement in CHARSET.iter().map(|&b| b as char) {
                    let mut corrupted: Vec<char> = code.chars().collect();
                    if corrupted[position] == replacement {
                        continue;
                    }
                    corrupted[position] = replacement;
                    let corrupted: String = corrupted.into_iter().collect();
                    assert_eq!(validate(&corrupted), Err(CreditCodeError::CheckCharacter), "{corrupted}");
                }
            }
        }
    }

    #[test]
    fn wrong_length_and_foreign_characters_are_refused() {
        assert_eq!(validate("91350100M000100Y4"), Err(CreditCodeError::Length));
        assert_eq!(validate("91350100M000100Y433"), Err(CreditCodeError::Length));
        assert_eq!(validate("91350100M0001O0Y43"), Err(CreditCodeError::Character));
        assert_eq!(validate("91350100M000100Y4中"), Err(CreditCodeError::Character));
    }
}
