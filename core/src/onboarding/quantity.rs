//! Kubernetes resource quantities (`500m`, `4`, `8Gi`, `1.5G`), parsed exactly so a
//! request is compared with its tier's ceiling without rounding.

/// A quantity in thousandths of its unit (`500m` CPU is 500; `1Ki` is 1,024,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Milli(pub i128);

/// Parses a quantity; the error says what a quantity looks like.
pub fn parse(text: &str) -> Result<Milli, String> {
    let bad = || {
        format!(
            "`{text}` is not a quantity: write a number with an optional suffix, e.g. `500m`, `4`, `512Mi`, `8Gi`"
        )
    };
    let text_trimmed = text.trim();
    let split = text_trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text_trimmed.len());
    let (number, suffix) = text_trimmed.split_at(split);
    if number.is_empty()
        || number.starts_with('.')
        || number.ends_with('.')
        || number.matches('.').count() > 1
    {
        return Err(bad());
    }
    // (multiplier numerator, divisor) of one unit in milli-units.
    let (multiplier, divisor): (i128, i128) = match suffix {
        "m" => (1, 1),
        "" => (1_000, 1),
        "k" => (1_000_000, 1),
        "M" => (1_000_000_000, 1),
        "G" => (1_000_000_000_000, 1),
        "T" => (1_000_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000_000, 1),
        "Ki" => (1_000 << 10, 1),
        "Mi" => (1_000 << 20, 1),
        "Gi" => (1_000 << 30, 1),
        "Ti" => (1_000 << 40, 1),
        "Pi" => (1_000 << 50, 1),
        _ => return Err(bad()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.len() > 18 || fraction.len() > 9 {
        return Err(bad());
    }
    let whole: i128 = whole.parse().map_err(|_| bad())?;
    let scale = 10_i128.pow(u32::try_from(fraction.len()).map_err(|_| bad())?);
    let fraction: i128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| bad())?
    };
    let total = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .and_then(|v| v.checked_mul(multiplier))
        .map(|v| v / divisor)
        .ok_or_else(|| format!("`{text}` is too large a quantity"))?;
    if total % scale != 0 {
        return Err(format!("`{text}` is finer than a thousandth of a unit"));
    }
    Ok(Milli(total / scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_suffixes() {
        assert_eq!(parse("500m"), Ok(Milli(500)));
        assert_eq!(parse("4"), Ok(Milli(4_000)));
        assert_eq!(parse("0.5"), Ok(Milli(500)));
        assert_eq!(parse("1Ki"), Ok(Milli(1_024_000)));
        assert_eq!(parse("8Gi"), Ok(Milli(8 * 1_000 * (1 << 30))));
        assert_eq!(parse("1.5G"), Ok(Milli(1_500_000_000_000)));
        assert!(parse("8Gi") > parse("8G"));
    }

    #[test]
    fn refusals_name_the_input() {
        for bad in [
            "", "Gi", "4 cores", "1e3", "-1", "1..2", ".5", "5.", "1.2.3", "4gb",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
        assert!(parse("0.0001").is_err(), "finer than milli");
        assert!(
            parse("999999999999999999.999999999P").is_err(),
            "too large, not an overflow"
        );
    }
}
