//! Sportello's documents (receipts, payment notices, the daily register, acts): A4 pages of
//! text, wrapped by the font's real widths, new pages as needed, QR codes and Data Matrix
//! symbols drawn as vectors.
//!
//! Written with `pdf-writer` and aimed at **PDF/A-2b**, the profile the preservation of
//! receipts needs: both faces (DejaVu Sans and DejaVu Sans Bold, cut to the WinAnsi characters,
//! `vendor/pdf/README.md`) are embedded, the widths come from the embedded font, an sRGB output
//! intent and the XMP metadata declaring part 2, conformance B, are present, and the file has an
//! identifier. What no tool here checks: a full PDF/A validation (veraPDF is a Java program not
//! installed on these machines); the tests check what a reader can — the fonts are embedded
//! (`pdffonts`), the pages render (`pdftoppm`) and the barcodes decode (zxing-cpp).

use std::sync::OnceLock;

use pdf_writer::types::{FontFlags, OutputIntentSubtype};
use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

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
    /// A Data Matrix (ECC 200, square) of this text — the postal block's — 30 mm wide with its
    /// quiet zone, at the left margin.
    DataMatrix(String),
    /// These lines on one page (a payment's portion, the postal bollettino): measured first,
    /// a new page starts unless they fit.
    Together(Vec<Line>),
    /// A line in larger bold type (an amount to pay).
    Strong(String),
    /// A thin line across the text block, between sections.
    Rule,
    /// Two columns side by side, the left taking this share of the width (a QR code beside
    /// the payment's data). Nothing inside them starts a new page: keep them together first.
    Columns(f32, Vec<Line>, Vec<Line>),
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
/// The QR code's width on the page with its quiet zone, in points (40 mm).
const QR_SIDE: f32 = 113.4;
/// The Data Matrix's width on the page with its quiet zone, in points (30 mm).
const DM_SIDE: f32 = 85.0;

/// The WinAnsi characters from 0x80 to 0x9F (five codes are unassigned).
const WINANSI_80: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The character a WinAnsi code stands for.
fn winansi_char(code: u8) -> Option<char> {
    match code {
        0x20..=0x7E | 0xA0..=0xFF => Some(code as char),
        0x80..=0x9F => WINANSI_80.get(usize::from(code - 0x80)).copied().flatten(),
        _ => None,
    }
}

/// The text in WinAnsi codes: a character the encoding lacks prints as `?`, a control
/// character as a space.
fn winansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => c as u32 as u8,
            0..=0x1F | 0x7F => b' ',
            _ => WINANSI_80
                .iter()
                .position(|w| *w == Some(c))
                .and_then(|i| u8::try_from(i).ok())
                .map_or(b'?', |i| 0x80 + i),
        })
        .collect()
}

/// An embedded face: the font file, its PostScript name and the metrics the PDF declares.
struct Face {
    /// The font program, Flate-compressed, and its length uncompressed.
    compressed: Vec<u8>,
    length: usize,
    /// `ABCDEF+Name`: the tag marks a subset, as PDF asks.
    base_font: String,
    /// Advance widths of the codes 32..=255, in thousandths of the size.
    widths: [f32; 224],
    bbox: Rect,
    ascent: f32,
    descent: f32,
    cap_height: f32,
}

const REGULAR_TTF: &[u8] = include_bytes!("../../../vendor/pdf/DejaVuSans-WinAnsi.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../vendor/pdf/DejaVuSans-Bold-WinAnsi.ttf");
const SRGB_ICC: &[u8] = include_bytes!("../../../vendor/pdf/sRGB.icc");

impl Face {
    fn load(data: &'static [u8], base_font: &str) -> Face {
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(data, 6);
        // The files are part of the build and a test reads them; were one not to parse, the
        // text would still print, measured as an average sans-serif letter.
        let Ok(face) = ttf_parser::Face::parse(data, 0) else {
            return Face {
                compressed,
                length: data.len(),
                base_font: base_font.to_string(),
                widths: [556.0; 224],
                bbox: Rect::new(-200.0, -250.0, 1200.0, 950.0),
                ascent: 760.0,
                descent: -240.0,
                cap_height: 730.0,
            };
        };
        let per_em = f32::from(face.units_per_em());
        let scale = |v: f32| v * 1000.0 / per_em;
        let mut widths = [0.0; 224];
        for (i, w) in widths.iter_mut().enumerate() {
            let code = 32 + i as u8;
            *w = winansi_char(code)
                .and_then(|c| face.glyph_index(c))
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(0.0, |a| scale(f32::from(a)));
        }
        let b = face.global_bounding_box();
        Face {
            compressed,
            length: data.len(),
            base_font: base_font.to_string(),
            widths,
            bbox: Rect::new(
                scale(f32::from(b.x_min)),
                scale(f32::from(b.y_min)),
                scale(f32::from(b.x_max)),
                scale(f32::from(b.y_max)),
            ),
            ascent: scale(f32::from(face.ascender())),
            descent: scale(f32::from(face.descender())),
            cap_height: scale(f32::from(face.capital_height().unwrap_or(face.ascender()))),
        }
    }

    /// The width of the text at this size, in points.
    fn measure(&self, text: &str, size: f32) -> f32 {
        winansi(text)
            .iter()
            .map(|&b| {
                b.checked_sub(32)
                    .and_then(|i| self.widths.get(usize::from(i)))
                    .copied()
                    .unwrap_or(0.0)
            })
            .sum::<f32>()
            * size
            / 1000.0
    }
}

fn faces() -> &'static [Face; 2] {
    static FACES: OnceLock<[Face; 2]> = OnceLock::new();
    FACES.get_or_init(|| {
        [
            Face::load(REGULAR_TTF, "SPORTA+DejaVuSans"),
            Face::load(BOLD_TTF, "SPORTB+DejaVuSans-Bold"),
        ]
    })
}

/// Wraps text to lines no wider than `width` points, keeping the line breaks it has (a list of
/// family members, a letter's paragraphs); a word wider than a line (a digest, a long code) is
/// cut.
fn wrap(text: &str, face: &Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut current = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if face.measure(&candidate, size) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            for c in word.chars() {
                current.push(c);
                if face.measure(&current, size) > width {
                    current.pop();
                    lines.push(std::mem::take(&mut current));
                    current.push(c);
                }
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// What is placed on a page, its lower left corner at (x, y).
enum Run {
    /// Text in face 0 (regular) or 1 (bold).
    Text {
        face: usize,
        size: f32,
        x: f32,
        y: f32,
        text: String,
    },
    Qr {
        x: f32,
        y: f32,
        text: String,
    },
    DataMatrix {
        x: f32,
        y: f32,
        text: String,
    },
    Rule {
        x: f32,
        y: f32,
        width: f32,
    },
}

/// Filled squares for the dark modules `(column, row)` of a `width`-module symbol, rows from
/// the top, inside a `quiet`-module margin, the whole `side` points wide.
fn modules(
    content: &mut Content,
    dark: impl Iterator<Item = (usize, usize)>,
    width: usize,
    quiet: usize,
    side: f32,
    (x, y): (f32, f32),
) {
    let module = side / (width + 2 * quiet) as f32;
    content.set_fill_rgb(0.0, 0.0, 0.0);
    for (col, row) in dark {
        let left = x + (col + quiet) as f32 * module;
        let bottom = y + (width + quiet - 1 - row) as f32 * module;
        content.rect(left, bottom, module, module);
    }
    content.fill_nonzero();
}

fn draw_qr(content: &mut Content, text: &str, at: (f32, f32)) {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
    else {
        return;
    };
    let width = code.width();
    let colors = code.to_colors();
    let dark = colors
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == qrcode::Color::Dark)
        .map(|(i, _)| (i % width, i / width));
    modules(content, dark, width, 4, QR_SIDE, at);
}

fn draw_data_matrix(content: &mut Content, text: &str, at: (f32, f32)) {
    let Ok(code) = datamatrix::DataMatrix::encode(
        text.as_bytes(),
        datamatrix::SymbolList::default().enforce_square(),
    ) else {
        return;
    };
    let bitmap = code.bitmap();
    modules(content, bitmap.pixels(), bitmap.width(), 2, DM_SIDE, at);
}

/// The XMP packet: PDF/A-2b, the title and the producer (the same as the Info dictionary's).
fn xmp(title: &str) -> Vec<u8> {
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
         <pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n\
         <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
         <dc:format>application/pdf</dc:format>\n\
         <pdf:Producer>Sportello</pdf:Producer>\n\
         </rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>"
    )
    .into_bytes()
}

/// Pages being laid out, and where the next line goes: `x` and `width` are the page's text
/// block, or one column of it.
struct Layout {
    pages: Vec<Vec<Run>>,
    y: f32,
    x: f32,
    width: f32,
    /// Inside columns nothing starts a new page (a [`Line::Together`] around them does).
    in_columns: bool,
}

impl Layout {
    /// Makes room for something `lead` points tall (on a new page if this one is full) and
    /// returns its baseline.
    fn room(&mut self, lead: f32) -> f32 {
        if self.y - lead < MARGIN && !self.in_columns {
            self.pages.push(vec![]);
            self.y = PAGE_H - MARGIN;
        }
        self.y -= lead;
        self.y
    }

    /// Starts a new page unless `height` points fit on this one.
    fn keep(&mut self, height: f32) {
        if self.y - height < MARGIN && self.y < PAGE_H - MARGIN && !self.in_columns {
            self.pages.push(vec![]);
            self.y = PAGE_H - MARGIN;
        }
    }

    fn push(&mut self, run: Run) {
        if let Some(page) = self.pages.last_mut() {
            page.push(run);
        }
    }

    /// Text in face 0 (regular) or 1 (bold), wrapped to the block, `indent` points in.
    fn text(&mut self, face: usize, size: f32, indent: f32, t: &str) {
        let [regular, bold] = faces();
        let metrics = if face == 1 { bold } else { regular };
        for l in wrap(t, metrics, size, self.width - indent) {
            let y = self.room(size * 1.4);
            self.push(Run::Text {
                face,
                size,
                x: self.x + indent,
                y,
                text: l,
            });
        }
    }

    fn line(&mut self, line: &Line) {
        match line {
            Line::Title(t) => self.text(1, 18.0, 0.0, t),
            Line::Heading(t) => {
                self.room(8.0);
                self.text(1, 12.0, 0.0, t);
            }
            Line::Text(t) => self.text(0, 10.0, 0.0, t),
            Line::Strong(t) => self.text(1, 14.0, 0.0, t),
            Line::Field(label, value) => {
                // A label is never the last line of a page without its value.
                self.keep(2.0 * 14.0);
                self.text(1, 10.0, 0.0, label);
                self.text(0, 10.0, 12.0, value);
            }
            Line::Blank => {
                self.room(10.0);
            }
            Line::Rule => {
                let y = self.room(10.0) + 4.0;
                self.push(Run::Rule {
                    x: self.x,
                    y,
                    width: self.width,
                });
            }
            Line::Qr(t) => {
                let y = self.room(QR_SIDE + 4.0);
                self.push(Run::Qr {
                    x: self.x,
                    y,
                    text: t.clone(),
                });
            }
            Line::DataMatrix(t) => {
                let y = self.room(DM_SIDE + 4.0);
                self.push(Run::DataMatrix {
                    x: self.x,
                    y,
                    text: t.clone(),
                });
            }
            Line::Together(lines) => {
                let height = measure(lines, self.width);
                self.keep(height);
                lines.iter().for_each(|l| self.line(l));
            }
            Line::Columns(left_share, left, right) => {
                let (x, width, top) = (self.x, self.width, self.y);
                let gap = 16.0;
                let left_width = (width - gap) * left_share.clamp(0.1, 0.9);
                let was = std::mem::replace(&mut self.in_columns, true);
                self.width = left_width;
                left.iter().for_each(|l| self.line(l));
                let left_end = self.y;
                self.y = top;
                self.x = x + left_width + gap;
                self.width = width - left_width - gap;
                right.iter().for_each(|l| self.line(l));
                self.y = self.y.min(left_end);
                (self.x, self.width, self.in_columns) = (x, width, was);
            }
        }
    }
}

/// How tall these lines are, laid out `width` points wide.
fn measure(lines: &[Line], width: f32) -> f32 {
    let mut scratch = Layout {
        pages: vec![vec![]],
        y: PAGE_H,
        x: MARGIN,
        width,
        in_columns: true,
    };
    lines.iter().for_each(|l| scratch.line(l));
    PAGE_H - scratch.y
}

/// Lays the lines out on pages.
fn layout(lines: &[Line]) -> Vec<Vec<Run>> {
    let mut l = Layout {
        pages: vec![vec![]],
        y: PAGE_H - MARGIN,
        x: MARGIN,
        width: PAGE_W - 2.0 * MARGIN,
        in_columns: false,
    };
    lines.iter().for_each(|line| l.line(line));
    l.pages
}

/// Renders lines into a PDF/A-2b document.
pub fn render(title: &str, lines: &[Line]) -> Vec<u8> {
    let pages = layout(lines);
    let faces = faces();
    let mut pdf = Pdf::new();
    pdf.set_version(1, 7);
    let mut next = Ref::new(1);
    let catalog_id = next.bump();
    let pages_id = next.bump();
    let info_id = next.bump();
    let metadata_id = next.bump();
    let icc_id = next.bump();
    let mut font_refs = || (next.bump(), next.bump(), next.bump());
    let font_ids: [(Ref, Ref, Ref); 2] = [font_refs(), font_refs()];
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();

    {
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(pages_id).metadata(metadata_id);
        catalog
            .output_intents()
            .push()
            .subtype(OutputIntentSubtype::PDFA)
            .output_condition_identifier(TextStr("sRGB"))
            .info(TextStr("sRGB"))
            .dest_output_profile(icc_id);
    }
    pdf.pages(pages_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr("Sportello"));
    pdf.metadata(metadata_id, &xmp(title));
    pdf.icc_profile(icc_id, SRGB_ICC).n(3);
    for (face, (font_id, descriptor_id, file_id)) in faces.iter().zip(&font_ids) {
        {
            let mut font = pdf.indirect(*font_id).dict();
            font.pair(Name(b"Type"), Name(b"Font"));
            font.pair(Name(b"Subtype"), Name(b"TrueType"));
            font.pair(Name(b"BaseFont"), Name(face.base_font.as_bytes()));
            font.pair(Name(b"FirstChar"), 32);
            font.pair(Name(b"LastChar"), 255);
            font.insert(Name(b"Widths"))
                .array()
                .items(face.widths.iter().copied());
            font.pair(Name(b"Encoding"), Name(b"WinAnsiEncoding"));
            font.pair(Name(b"FontDescriptor"), *descriptor_id);
        }
        pdf.font_descriptor(*descriptor_id)
            .name(Name(face.base_font.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(face.bbox)
            .italic_angle(0.0)
            .ascent(face.ascent)
            .descent(face.descent)
            .cap_height(face.cap_height)
            .stem_v(80.0)
            .font_file2(*file_id);
        pdf.stream(*file_id, &face.compressed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(face.length).unwrap_or(i32::MAX),
            );
    }
    let mut digest = Sha256::new();
    digest.update(title.as_bytes());
    for (runs, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        {
            let mut page = pdf.page(*page_id);
            page.parent(pages_id)
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .contents(*content_id);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            let [(regular, ..), (bold, ..)] = font_ids;
            fonts.pair(Name(b"F1"), regular);
            fonts.pair(Name(b"F2"), bold);
        }
        let mut content = Content::new();
        for run in runs {
            match run {
                Run::Text {
                    face,
                    size,
                    x,
                    y,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    content
                        .begin_text()
                        .set_font(Name(if *face == 1 { b"F2" } else { b"F1" }), *size)
                        .next_line(*x, *y)
                        .show(Str(&winansi(text)))
                        .end_text();
                }
                Run::Qr { x, y, text } => draw_qr(&mut content, text, (*x, *y)),
                Run::DataMatrix { x, y, text } => draw_data_matrix(&mut content, text, (*x, *y)),
                Run::Rule { x, y, width } => {
                    content
                        .set_stroke_gray(0.6)
                        .set_line_width(0.5)
                        .move_to(*x, *y)
                        .line_to(x + width, *y)
                        .stroke();
                }
            }
        }
        let bytes = content.finish();
        digest.update(bytes.as_slice());
        pdf.stream(*content_id, &bytes);
    }
    // The identifier PDF/A asks for: the same document gives the same identifier.
    let id: Vec<u8> = digest.finalize().iter().take(16).copied().collect();
    pdf.set_file_id((id.clone(), id));
    pdf.finish()
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
        assert!(pdf.starts_with(b"%PDF-1.7"));
        // Sportello's own sniffer reads the PDF/A declaration.
        assert_eq!(crate::blobs::sniff(&pdf), Ok(crate::blobs::FileKind::PdfA));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 3"), "120 lines take three pages");
        // Balanced parentheses stay as they are, a backslash is escaped.
        assert!(text.contains("(Riga 7 con parentesi (e barre \\\\) da proteggere) Tj"));
        // PDF/A-2b: the fonts are embedded, the metadata says so, the output intent is there.
        assert_eq!(text.matches("/FontFile2").count(), 2);
        assert!(!text.contains("/Helvetica"));
        assert!(text.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(text.contains("/GTS_PDFA1"));
        assert!(text.contains("/ID ["));
        // The same document is the same file.
        assert_eq!(pdf, render("Ricevuta", &lines));
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
        assert!(pdf[xref_at..].starts_with(b"xref"));
    }

    #[test]
    fn winansi_covers_italian_and_the_euro() {
        assert_eq!(
            winansi("è €—«»’"),
            vec![0xE8, b' ', 0x80, 0x97, 0xAB, 0xBB, 0x92]
        );
        assert_eq!(winansi("ł\t"), vec![b'?', b' ']);
        for code in 0x80..=0x9Fu8 {
            if let Some(c) = winansi_char(code) {
                assert_eq!(winansi(&c.to_string()), vec![code]);
            }
        }
    }

    #[test]
    fn lines_wrap_by_the_fonts_widths() {
        let [regular, _] = faces();
        // Narrow letters fit more to a line than wide ones.
        let narrow = wrap(&"il ".repeat(200), regular, 10.0, 483.0);
        let wide = wrap(&"MW ".repeat(200), regular, 10.0, 483.0);
        assert!(narrow.len() < wide.len());
        for l in narrow.iter().chain(&wide) {
            assert!(regular.measure(l, 10.0) <= 483.0);
        }
        // A word wider than a line is cut, nothing lost.
        let digest = "a".repeat(300);
        let cut = wrap(&digest, regular, 10.0, 200.0);
        assert!(cut.len() > 1);
        assert_eq!(cut.concat(), digest);
        // Widths come from the font: a space is narrower than an M, and a euro has a width.
        assert!(regular.measure(" ", 10.0) < regular.measure("M", 10.0));
        assert!(regular.measure("€", 10.0) > 0.0);
    }
}
