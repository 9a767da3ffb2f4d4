//! CSV records as RFC 4180 has them: fields separated by commas, records ended by CRLF, and a
//! field quoted (its quotes doubled) when it holds a comma, a quote or a line break.

/// Appends one record.
pub fn write_record<'a>(out: &mut Vec<u8>, fields: impl IntoIterator<Item = &'a str>) {
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_field(out, field);
    }
    out.extend_from_slice(b"\r\n");
}

fn write_field(out: &mut Vec<u8>, field: &str) {
    // A spreadsheet opening the file runs a cell that starts like a formula; a leading
    // apostrophe keeps such text as text (the OWASP advice for CSV exports). Issue texts are
    // typed by people, so this matters for titles and progress reports.
    let guard = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = field.contains([',', '"', '\r', '\n']);
    if quote {
        out.push(b'"');
    }
    if guard {
        out.push(b'\'');
    }
    out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
    if quote {
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> String {
        let mut out = Vec::new();
        write_record(&mut out, fields.iter().copied());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(record(&["SD-001", "河口镇", ""]), "SD-001,河口镇,\r\n");
        assert_eq!(record(&["a,b", "say \"no\"", "two\nlines"]), "\"a,b\",\"say \"\"no\"\"\",\"two\nlines\"\r\n");
    }

    #[test]
    fn text_that_looks_like_a_formula_stays_text() {
        assert_eq!(record(&["=HYPERLINK(\"x\")", "-5 m"]), "\"'=HYPERLINK(\"\"x\"\")\",'-5 m\r\n");
    }
}
