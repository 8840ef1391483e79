//! The second factor for password sign-in: time-based one-time passwords
//! (TOTP, RFC 6238 over HOTP, RFC 4226) as authenticator apps make them,
//! and single-use recovery codes for when the phone is lost.
//!
//! Only the rules live here; the secret's randomness, its sealing at rest
//! and the hashing of recovery codes are the application's.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::Timestamp;
use crate::validation::ValidationErrors;

/// The length of a code, the step it changes at and the hash: what every
/// authenticator app assumes when the `otpauth://` URI says nothing else.
pub const DIGITS: u32 = 6;
pub const STEP_SECONDS: i64 = 30;
/// A code from the step before or after now is accepted too, for clocks
/// that drift and codes typed as they change (RFC 6238 section 5.2).
pub const TOLERANCE_STEPS: u64 = 1;
/// A secret of 160 bits, the length of SHA-1's output (RFC 4226 section 4).
pub const SECRET_BYTES: usize = 20;
/// How many recovery codes an account is given at once.
pub const RECOVERY_CODES: usize = 10;

/// HOTP (RFC 4226): the HMAC-SHA-1 of the counter, dynamically truncated to
/// `digits` decimal digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The TOTP time step `at` falls in (RFC 6238: Unix time over 30 s).
pub fn step_at(at: Timestamp) -> u64 {
    u64::try_from(at.timestamp().div_euclid(STEP_SECONDS)).unwrap_or(0)
}

/// The six-digit code for `step`, as an app shows it (with leading zeros).
pub fn code_for(secret: &[u8], step: u64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, step, DIGITS),
        width = DIGITS as usize
    )
}

/// The step whose code `typed` is, within the tolerance around `now_step`,
/// and later than `last_used` (a code may not be used twice, nor an older
/// one after a newer). `None` when it matches none. Every candidate is
/// compared, in time that does not depend on where they differ.
pub fn matching_step(
    secret: &[u8],
    typed: &str,
    now_step: u64,
    last_used: Option<u64>,
) -> Option<u64> {
    let typed = typed_code(typed)?;
    let first = now_step.saturating_sub(TOLERANCE_STEPS);
    let mut found = None;
    for step in first..=now_step + TOLERANCE_STEPS {
        let same = constant_time_eq(code_for(secret, step).as_bytes(), typed.as_bytes());
        if same && last_used.is_none_or(|used| step > used) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// What someone typed as a one-time code, without spaces: six digits, or
/// nothing.
fn typed_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS as usize && digits.chars().all(|c| c.is_ascii_digit()))
        .then_some(digits)
}

/// Whether what was typed has the shape of a one-time code at all (a
/// recovery code has letters), so the sign-in page can say which it took.
pub fn looks_like_one_time_code(typed: &str) -> bool {
    typed_code(typed).is_some()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The secret as authenticator apps take it typed in: RFC 4648 base 32,
/// without padding.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The key in groups of four, easier to type from the screen.
pub fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` URI (Google Authenticator's key URI format) an app
/// reads from the QR code: labelled with the service and the account.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer_enc = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account),
        base32(secret)
    )
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Recovery codes are ten letters and digits from an alphabet without
/// look-alikes (about 51 bits each), shown as `abcde-fghij`.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
pub const RECOVERY_CODE_CHARS: usize = 10;

/// A recovery code as shown to the user.
pub fn format_recovery_code(raw: &str) -> String {
    let (a, b) = raw.split_at(raw.len() / 2);
    format!("{a}-{b}")
}

/// A typed recovery code as it is hashed: lower case, without the hyphen
/// or spaces people copy with it. `None` if it cannot be one.
pub fn normalise_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == RECOVERY_CODE_CHARS && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(code)
}

/// The message for a missing or malformed code on the sign-in and set-up
/// forms.
pub fn check_code_entered(typed: &str, field: &'static str) -> Result<(), ValidationErrors> {
    if typed.trim().is_empty() {
        return Err(ValidationErrors::single(
            field,
            "Enter the 6-digit code from your authenticator app",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const RFC_KEY: &[u8] = b"12345678901234567890";

    /// RFC 6238 appendix B, the SHA-1 rows (8 digits), and RFC 4226
    /// appendix D (6 digits).
    #[test]
    fn rfc_6238_test_vectors() {
        let vectors = [
            (59, 1, "94287082"),
            (1_111_111_109, 0x023523EC, "07081804"),
            (1_111_111_111, 0x023523ED, "14050471"),
            (1_234_567_890, 0x0273EF07, "89005924"),
            (2_000_000_000, 0x03F940AA, "69279037"),
            (20_000_000_000, 0x27BC86AA, "65353130"),
        ];
        for (unix, step, code) in vectors {
            let at = Utc.timestamp_opt(unix, 0).unwrap();
            assert_eq!(step_at(at), step, "step at {unix}");
            assert_eq!(format!("{:08}", hotp(RFC_KEY, step, 8)), code, "{unix}");
            // Six digits are the last six of eight: the same truncation.
            assert_eq!(code_for(RFC_KEY, step), code[2..], "{unix}");
        }
    }

    #[test]
    fn rfc_4226_test_vectors() {
        let codes = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in codes.iter().enumerate() {
            assert_eq!(code_for(RFC_KEY, counter as u64), *code);
        }
    }

    #[test]
    fn accepts_one_step_either_side_and_never_a_used_step_again() {
        let now = 1_000;
        let code = |step| code_for(RFC_KEY, step);
        assert_eq!(matching_step(RFC_KEY, &code(now), now, None), Some(now));
        assert_eq!(
            matching_step(RFC_KEY, &code(now - 1), now, None),
            Some(now - 1)
        );
        assert_eq!(
            matching_step(RFC_KEY, &code(now + 1), now, None),
            Some(now + 1)
        );
        assert_eq!(matching_step(RFC_KEY, &code(now - 2), now, None), None);
        assert_eq!(matching_step(RFC_KEY, &code(now + 2), now, None), None);
        // Replayed, or older than one already used.
        assert_eq!(matching_step(RFC_KEY, &code(now), now, Some(now)), None);
        assert_eq!(matching_step(RFC_KEY, &code(now - 1), now, Some(now)), None);
        assert_eq!(
            matching_step(RFC_KEY, &code(now + 1), now, Some(now)),
            Some(now + 1)
        );
        // Spaces are forgiven; anything else is not a code.
        let spaced = format!("{} {}", &code(now)[..3], &code(now)[3..]);
        assert_eq!(matching_step(RFC_KEY, &spaced, now, None), Some(now));
        assert_eq!(matching_step(RFC_KEY, "12345", now, None), None);
        assert_eq!(matching_step(RFC_KEY, "abcdef", now, None), None);
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(RFC_KEY), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn otpauth_uri_names_the_service_and_account() {
        assert_eq!(
            otpauth_uri("Linkwork", "amy.admin@example.nhs.uk", RFC_KEY),
            "otpauth://totp/Linkwork:amy.admin@example.nhs.uk?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Linkwork&algorithm=SHA1&digits=6&period=30"
        );
        assert!(
            otpauth_uri("Link work", "a b", RFC_KEY)
                .starts_with("otpauth://totp/Link%20work:a%20b?")
        );
    }

    #[test]
    fn recovery_codes_are_read_forgivingly() {
        assert_eq!(format_recovery_code("abcdefghjk"), "abcde-fghjk");
        assert_eq!(
            normalise_recovery_code(" ABCDE-fghjk "),
            Some("abcdefghjk".into())
        );
        assert_eq!(normalise_recovery_code("abcde-fghj"), None);
        assert_eq!(
            normalise_recovery_code("abcde-fghj1"),
            None,
            "1 is not used"
        );
        assert!(looks_like_one_time_code("123 456"));
        assert!(!looks_like_one_time_code("abcde-fghjk"));
    }
}
