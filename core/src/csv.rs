//! RFC 4180 CSV for every download Parkway offers (the audit export, the scorecard
//! tables): one quoting rule, one defence against spreadsheet formula injection.

/// A table to download: a file name, a header row and rows of cells, all text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The file name offered to the browser, `.csv` included.
    pub filename: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table as CSV, header first, CRLF line ends.
    pub fn to_csv(&self) -> String {
        let mut out = line(self.columns.iter().copied());
        for row in &self.rows {
            out.push_str(&line(row.iter().map(String::as_str)));
        }
        out
    }
}

/// One CSV line (with its CRLF) of `cells`.
pub fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = cells.into_iter().map(cell).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// One cell, quoted when it must be. Cells a spreadsheet would run as a formula are
/// prefixed with `'` (OWASP's CSV-injection advice): names, actors and reasons can come
/// from outside.
pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// An optional value as a cell: empty when absent.
pub fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_separators_and_defuses_formulas() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("-1,5"), "\"'-1,5\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn a_table_is_its_header_then_its_rows() {
        let table = Table {
            filename: "t.csv".into(),
            columns: vec!["name", "count"],
            rows: vec![
                vec!["x".into(), "1".into()],
                vec!["y, z".into(), opt(None::<i64>)],
            ],
        };
        assert_eq!(table.to_csv(), "name,count\r\nx,1\r\n\"y, z\",\r\n");
    }
}
