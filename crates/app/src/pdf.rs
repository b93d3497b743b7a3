//! A small PDF writer for printable text documents (receipts): A4 pages of monospaced lines
//! in the standard Courier fonts, which every PDF reader has, so nothing is embedded and no
//! PDF library is needed.

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FONT_SIZE: f32 = 9.0;
const LEADING: f32 = 13.0;
/// Courier's advance is 0.6 em.
const COLUMNS: usize = ((PAGE_WIDTH - 2.0 * MARGIN) / (FONT_SIZE * 0.6)) as usize;
const LINES_PER_PAGE: usize = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize - 2;

/// A PDF of `title` (in bold) followed by `lines`, wrapped to the page width.
pub fn text_document(title: &str, lines: &[String]) -> Vec<u8> {
    let wrapped: Vec<String> = lines.iter().flat_map(|l| wrap(l)).collect();
    let pages: Vec<&[String]> =
        if wrapped.is_empty() { vec![&[][..]] } else { wrapped.chunks(LINES_PER_PAGE).collect() };

    // Objects 1 catalog, 2 page tree, 3 and 4 fonts, then a page and its content per page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).into_bytes());
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>".to_vec());
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>".to_vec());
    for (i, page) in pages.iter().enumerate() {
        let mut content =
            format!("BT /F2 {} Tf {LEADING} TL {MARGIN} {} Td ", FONT_SIZE + 2.0, PAGE_HEIGHT - MARGIN).into_bytes();
        content.extend(string(title));
        content.extend(format!(" Tj T* /F1 {FONT_SIZE} Tf ").as_bytes());
        for line in page.iter() {
            content.extend(b"T* ");
            content.extend(string(line));
            content.extend(b" Tj ");
        }
        content.extend(format!("ET BT /F1 8 Tf {MARGIN} {} Td ", MARGIN / 2.0).as_bytes());
        content.extend(string(&format!("Page {} of {}", i + 1, pages.len())));
        content.extend(b" Tj ET");
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                6 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend(b"\nendstream");
        objects.push(stream);
    }

    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

fn wrap(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(COLUMNS).map(|c| c.iter().collect()).collect()
}

/// A PDF string literal in WinAnsi: Latin-1 as is, common punctuation mapped, the rest `?`.
fn string(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        let byte = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        };
        out.push(byte);
    }
    out.push(b')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_its_pages_and_a_consistent_cross_reference_table() {
        let lines: Vec<String> = (0..120).map(|i| format!("line {i} (with parentheses) and a \\ backslash")).collect();
        let pdf = text_document("Receipt — Côte d'Ivoire", &lines);
        let text = String::from_utf8_lossy(&pdf).into_owned();
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(text.ends_with("%%EOF\n"));
        let pages = 120usize.div_ceil(LINES_PER_PAGE);
        assert!(text.contains(&format!("/Count {pages}")), "{pages} pages");
        assert!(text.contains("(line 7 \\(with parentheses\\) and a \\\\ backslash)"), "escaped");
        assert!(pdf.windows(3).any(|w| w == [b'C', 0xf4, b't']), "Latin-1 letters kept");
        // Every offset in the table points at its object.
        let find = |needle: &[u8]| pdf.windows(needle.len()).rposition(|w| w == needle).expect("found");
        let after = find(b"startxref\n") + b"startxref\n".len();
        let xref_at: usize =
            String::from_utf8_lossy(&pdf[after..]).lines().next().expect("line").parse().expect("offset");
        let table = String::from_utf8_lossy(&pdf[xref_at..]).into_owned();
        for (n, entry) in table.lines().skip(3).take(4 + 2 * pages).enumerate() {
            let offset: usize = entry[..10].parse().expect("offset");
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()), "object {}", n + 1);
        }
    }

    #[test]
    fn long_lines_wrap_to_the_page() {
        let long = "x".repeat(COLUMNS * 2 + 3);
        assert_eq!(wrap(&long).iter().map(String::len).collect::<Vec<_>>(), [COLUMNS, COLUMNS, 3]);
        assert_eq!(wrap(""), [""]);
    }
}
