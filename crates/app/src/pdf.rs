//! A minimal PDF writer for Sportello's documents (receipts): A4 pages of text in the standard
//! Helvetica fonts, WinAnsi encoding (so Italian accents print), wrapped lines, new pages as
//! needed. Enough for a legible, searchable document without a dependency.

/// One line of a document.
#[derive(Debug, Clone)]
pub enum Line {
    Title(String),
    Heading(String),
    Text(String),
    /// Label and value on one line, the label in bold.
    Field(String, String),
    Blank,
    /// A QR code of this text (a payment notice's), drawn as squares, 40 mm wide with its
    /// quiet zone, at the left margin.
    Qr(String),
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

fn winansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '—' => 0x97,
            '–' => 0x96,
            '«' => 0xAB,
            '»' => 0xBB,
            '’' => 0x92,
            c if (c as u32) < 0x100 => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

fn escape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// Wraps text to about `width` characters (Helvetica at these sizes averages ~0.5 em),
/// keeping the line breaks it has (a list of family members, a letter's paragraphs).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| wrap_line(l, width))
        .collect();
    if lines.is_empty() {
        vec![String::new()]
    } else {
        lines
    }
}

fn wrap_line(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        if word.chars().count() > width {
            // A digest or a long code: cut it.
            let chars: Vec<char> = word.chars().collect();
            for chunk in chars.chunks(width) {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                current = chunk.iter().collect();
            }
        } else {
            current.push_str(word);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// A run of text placed on a page: font (1 regular, 2 bold), size, x, y, text. A run whose
/// font is 0 is a QR code of the text, its lower left corner at (x, y).
type Placed = (u8, f32, f32, f32, String);

/// The QR code's width on the page with its quiet zone, in points (40 mm).
const QR_SIDE: f32 = 113.4;

/// The drawing operators of a QR code whose lower left corner is at (x, y): one filled
/// square per dark module, inside a four-module quiet zone. `None` when the text does not fit
/// a QR code.
fn qr_operators(text: &str, x: f32, y: f32) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let module = QR_SIDE / (width + 8) as f32;
    let mut ops = String::from("0 0 0 rg\n");
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (col, row) = (i % width, i / width);
            let left = x + (col + 4) as f32 * module;
            let bottom = y + (width + 3 - row) as f32 * module;
            ops.push_str(&format!(
                "{left:.2} {bottom:.2} {module:.2} {module:.2} re\n"
            ));
        }
    }
    ops.push_str("f\n");
    Some(ops)
}

/// Renders lines into a PDF document.
pub fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    // Lay out: each page a list of placed runs of text.
    let mut pages: Vec<Vec<Placed>> = vec![vec![]];
    let mut y = PAGE_H - MARGIN;
    let mut place = |font: u8, size: f32, x: f32, text: String, lead: f32| {
        if y - lead < MARGIN {
            pages.push(vec![]);
            y = PAGE_H - MARGIN;
        }
        y -= lead;
        if let Some(page) = pages.last_mut() {
            page.push((font, size, x, y, text));
        }
    };
    for line in lines {
        match line {
            Line::Title(t) => wrap(t, 48)
                .into_iter()
                .for_each(|l| place(2, 18.0, MARGIN, l, 24.0)),
            Line::Heading(t) => {
                place(2, 12.0, MARGIN, String::new(), 8.0);
                wrap(t, 75)
                    .into_iter()
                    .for_each(|l| place(2, 12.0, MARGIN, l, 16.0));
            }
            Line::Text(t) => wrap(t, 95)
                .into_iter()
                .for_each(|l| place(1, 10.0, MARGIN, l, 14.0)),
            Line::Field(label, value) => {
                place(2, 10.0, MARGIN, label.clone(), 14.0);
                wrap(value, 95)
                    .into_iter()
                    .for_each(|l| place(1, 10.0, MARGIN + 12.0, l, 13.0));
            }
            Line::Blank => place(1, 10.0, MARGIN, String::new(), 10.0),
            // Room for the code; its squares are drawn where the room was made.
            Line::Qr(text) => place(0, 0.0, MARGIN, text.clone(), QR_SIDE + 4.0),
        }
    }
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then per page: page + content.
    let page_count = pages.len();
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", 6 + i * 2))
        .collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    let mut info = b"<< /Producer (Sportello) /Title (".to_vec();
    info.extend(escape(&winansi(title)));
    info.extend(b") >>");
    objects.push(info);
    for (i, page) in pages.iter().enumerate() {
        let mut content = Vec::new();
        for (font, size, x, y, text) in page {
            if text.is_empty() {
                continue;
            }
            if *font == 0 {
                if let Some(ops) = qr_operators(text, *x, *y) {
                    content.extend(ops.as_bytes());
                }
                continue;
            }
            content.extend(format!("BT /F{font} {size} Tf {x:.1} {y:.1} Td (").into_bytes());
            content.extend(escape(&winansi(text)));
            content.extend(b") Tj ET\n");
        }
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + i * 2
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_with_accents_and_many_pages() {
        let mut lines = vec![
            Line::Title("Ricevuta di protocollazione".into()),
            Line::Field("Oggetto".into(), "Occupazione — città (€ 16,00)".into()),
        ];
        for i in 0..120 {
            lines.push(Line::Text(format!(
                "Riga {i} con parentesi (e barre \\) da proteggere"
            )));
        }
        let pdf = render("Ricevuta", &lines);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        assert_eq!(crate::blobs::sniff(&pdf), Ok(crate::blobs::FileKind::Pdf));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3"), "120 lines take three pages");
        assert!(text.contains("\\(e barre \\\\\\) da proteggere"));
        // The xref offsets point at the objects.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // (on the bytes: the lossy text has replacement characters where WinAnsi bytes were)
        assert!(pdf[xref_at..].starts_with(b"xref"));
    }
}
