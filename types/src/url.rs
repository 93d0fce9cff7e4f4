//! Building URLs that survive any value: `+`, `#`, `&` and spaces in a tag or a search
//! must reach the server as they were typed.

/// Percent-encodes a query-string value or a path segment (everything but RFC 3986's
/// unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    encode_into(&mut out, value);
    out
}

/// [`encode`], appended to `out`: pages build hundreds of links, each without a
/// string per part.
pub fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            other => {
                out.push('%');
                out.push(char::from(HEX[usize::from(other >> 4)]));
                out.push(char::from(HEX[usize::from(other & 0xF)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_unreserved_characters_pass() {
        assert_eq!(
            super::encode("/admin/audit?actor=a b&x=1"),
            "%2Fadmin%2Faudit%3Factor%3Da%20b%26x%3D1"
        );
        assert_eq!(super::encode("c++#é"), "c%2B%2B%23%C3%A9");
        assert_eq!(super::encode("svc-1_a.b~"), "svc-1_a.b~");
    }
}
