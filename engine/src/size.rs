//! Sizes as people and boot options write them: `16K`, `896M`, `2G`, `0x8000000`.
//!
//! The suffixes follow the kernel's `memparse()` (binary multiples, case-insensitive); a
//! trailing `B` or `iB` is also accepted because people write `2GiB`.

use std::fmt;

/// Why a size string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeError {
    /// The string is empty.
    Empty,
    /// No digits where a number must start.
    NoNumber(String),
    /// A suffix other than K, M, G or T (optionally followed by `B` or `iB`).
    BadSuffix(String),
    /// The value does not fit in 64 bits.
    TooLarge(String),
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Empty => write!(f, "empty size"),
            SizeError::NoNumber(s) => write!(
                f,
                "bad size '{s}': expected a number such as 512M, 2G or 0x8000000"
            ),
            SizeError::BadSuffix(s) => write!(
                f,
                "bad size '{s}': the unit must be K, M, G or T (binary multiples)"
            ),
            SizeError::TooLarge(s) => write!(f, "bad size '{s}': too large"),
        }
    }
}

impl std::error::Error for SizeError {}

/// Parses a size in bytes: decimal or `0x` hex digits, then an optional K/M/G/T suffix.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(SizeError::Empty);
    }
    let (digits, rest, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => {
            let end = hex
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(hex.len());
            (&hex[..end], &hex[end..], 16)
        }
        None => {
            let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            (&s[..end], &s[end..], 10)
        }
    };
    if digits.is_empty() {
        return Err(SizeError::NoNumber(s.to_string()));
    }
    let value =
        u64::from_str_radix(digits, radix).map_err(|_| SizeError::TooLarge(s.to_string()))?;
    let shift = match rest.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(SizeError::BadSuffix(s.to_string())),
    };
    value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| SizeError::TooLarge(s.to_string()))
}

/// Formats a byte count the way a reader wants to see it: the largest binary unit that
/// divides it exactly (`2 GiB`, `1167 MiB`, `8 KiB`), else bytes.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u32, &str); 4] = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        if bytes != 0 && bytes.trailing_zeros() >= shift {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} B")
}

/// Formats a byte count approximately, one decimal, for labels where exactness is elsewhere.
pub fn format_size_approx(bytes: u64) -> String {
    const UNITS: [(u32, &str); 4] = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
    for (shift, unit) in UNITS {
        if bytes >= 1u64 << shift {
            let whole = bytes >> shift;
            let tenth = ((bytes & ((1u64 << shift) - 1)) * 10) >> shift;
            return if tenth == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{tenth} {unit}")
            };
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suffixes_like_memparse() {
        assert_eq!(parse_size("16K"), Ok(16 << 10));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("896M"), Ok(896 << 20));
        assert_eq!(parse_size("0x8000000"), Ok(128 << 20));
        assert_eq!(parse_size("0x10M"), Ok(16 << 20));
        assert_eq!(parse_size(" 4096 "), Ok(4096));
    }

    #[test]
    fn refuses_bad_sizes_with_a_reason() {
        assert_eq!(parse_size(""), Err(SizeError::Empty));
        assert!(matches!(parse_size("G"), Err(SizeError::NoNumber(_))));
        assert!(matches!(parse_size("2X"), Err(SizeError::BadSuffix(_))));
        assert!(matches!(parse_size("1.5G"), Err(SizeError::BadSuffix(_))));
        assert!(matches!(parse_size("-1"), Err(SizeError::NoNumber(_))));
        assert!(matches!(
            parse_size("99999999999999999999"),
            Err(SizeError::TooLarge(_))
        ));
        assert!(matches!(
            parse_size("17000000T"),
            Err(SizeError::TooLarge(_))
        ));
    }

    #[test]
    fn formats_exact_and_approximate() {
        assert_eq!(format_size(2 << 30), "2 GiB");
        assert_eq!(format_size(8192), "8 KiB");
        assert_eq!(format_size(1167 << 20), "1167 MiB");
        assert_eq!(format_size(100), "100 B");
        assert_eq!(format_size_approx(0x48fe2 << 12), "1.1 GiB");
        assert_eq!(format_size_approx(512), "512 B");
    }
}
