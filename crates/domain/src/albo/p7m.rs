//! The signed document inside a `.p7m` (CAdES: CMS `SignedData`, RFC 5652), as Italian offices
//! sign their acts. Only what the albo needs: the document the envelope holds, so its text can
//! be checked for personal data and a reader can be given the PDF. BER is read as well as DER
//! (signing tools write indefinite lengths and OCTET STRINGs in pieces), and an envelope inside
//! an envelope (a document signed twice, one signature over the other) is opened too.
//!
//! Whether the signature is valid — the signer's certificate against the EU trusted lists, its
//! revocation, the signing time — is not checked here: the trusted lists and the CAs' services
//! cannot be reached from this machine. The envelope is published whole, as received, with its
//! digest, so anyone can check the signature with their own tool (DiKe, ArubaSign, `openssl cms
//! -verify`).

/// `1.2.840.113549.1.7.2`, signedData, as its DER body.
const SIGNED_DATA: [u8; 9] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// How deep envelopes may nest, and BER elements inside one another.
const MAX_ENVELOPES: usize = 4;
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum P7mError {
    #[error("not a CMS SignedData envelope")]
    NotSignedData,
    #[error("the envelope holds no document (a detached signature)")]
    Detached,
    #[error("the envelope is malformed")]
    Malformed,
}

/// One BER element: its tag byte and its content (for an indefinite length, what lies between
/// the header and the end-of-contents octets).
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
}

impl Element<'_> {
    fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }
}

/// Reads the element at the start of `input`; the element and the bytes after it.
fn element(input: &[u8], depth: usize) -> Result<(Element<'_>, &[u8]), P7mError> {
    if depth > MAX_DEPTH {
        return Err(P7mError::Malformed);
    }
    let (&tag, rest) = input.split_first().ok_or(P7mError::Malformed)?;
    // Multi-byte tags never occur in CMS.
    if tag & 0x1F == 0x1F {
        return Err(P7mError::Malformed);
    }
    let (&first, mut rest) = rest.split_first().ok_or(P7mError::Malformed)?;
    if first == 0x80 {
        // Indefinite: only a constructed element; its children run to two zero octets.
        if tag & 0x20 == 0 {
            return Err(P7mError::Malformed);
        }
        let start = rest;
        loop {
            if rest.starts_with(&[0, 0]) {
                let used = start.len() - rest.len();
                let content = start.get(..used).ok_or(P7mError::Malformed)?;
                return Ok((Element { tag, content }, rest.get(2..).unwrap_or_default()));
            }
            let (_, after) = element(rest, depth + 1)?;
            rest = after;
        }
    }
    let length = if first & 0x80 == 0 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 8 {
            return Err(P7mError::Malformed);
        }
        let (bytes, after) = rest.split_at_checked(count).ok_or(P7mError::Malformed)?;
        rest = after;
        bytes.iter().try_fold(0usize, |n, b| {
            n.checked_mul(256)
                .and_then(|n| n.checked_add(usize::from(*b)))
                .ok_or(P7mError::Malformed)
        })?
    };
    let (content, after) = rest.split_at_checked(length).ok_or(P7mError::Malformed)?;
    Ok((Element { tag, content }, after))
}

/// The children of a constructed element.
fn children<'a>(e: &Element<'a>, depth: usize) -> Result<Vec<Element<'a>>, P7mError> {
    let mut rest = e.content;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (child, after) = element(rest, depth + 1)?;
        out.push(child);
        rest = after;
    }
    Ok(out)
}

/// An OCTET STRING's bytes: whole, or its pieces joined (BER's constructed form).
fn octets(e: &Element<'_>, depth: usize, out: &mut Vec<u8>) -> Result<(), P7mError> {
    match e.tag {
        0x04 => {
            out.extend_from_slice(e.content);
            Ok(())
        }
        0x24 => {
            for piece in children(e, depth)? {
                octets(&piece, depth + 1, out)?;
            }
            Ok(())
        }
        _ => Err(P7mError::Malformed),
    }
}

/// Whether `bytes` start like a SignedData envelope.
pub fn is_envelope(bytes: &[u8]) -> bool {
    open_once(bytes).is_ok()
}

/// The document a `.p7m` holds, opening envelopes inside envelopes.
pub fn content(bytes: &[u8]) -> Result<Vec<u8>, P7mError> {
    let mut document = open_once(bytes)?;
    for _ in 1..MAX_ENVELOPES {
        match open_once(&document) {
            Ok(inner) => document = inner,
            Err(P7mError::NotSignedData) => return Ok(document),
            Err(e) => return Err(e),
        }
    }
    Ok(document)
}

fn open_once(bytes: &[u8]) -> Result<Vec<u8>, P7mError> {
    let not = |_| P7mError::NotSignedData;
    // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
    let (info, _) = element(bytes, 0).map_err(not)?;
    if info.tag != 0x30 {
        return Err(P7mError::NotSignedData);
    }
    let parts = children(&info, 0).map_err(not)?;
    match parts.first() {
        Some(oid) if oid.tag == 0x06 && oid.content == SIGNED_DATA => {}
        _ => return Err(P7mError::NotSignedData),
    }
    let explicit = parts.get(1).filter(|p| p.tag == 0xA0 && p.constructed());
    let signed = explicit
        .map(|p| children(p, 1))
        .transpose()?
        .and_then(|c| c.into_iter().next())
        .filter(|s| s.tag == 0x30)
        .ok_or(P7mError::Malformed)?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, … }
    let fields = children(&signed, 2)?;
    let encap = fields
        .get(2)
        .filter(|f| f.tag == 0x30)
        .ok_or(P7mError::Malformed)?;
    // EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
    let encap = children(encap, 3)?;
    let Some(wrapper) = encap.get(1) else {
        return Err(P7mError::Detached);
    };
    if wrapper.tag != 0xA0 {
        return Err(P7mError::Malformed);
    }
    let mut document = Vec::new();
    for piece in children(wrapper, 4)? {
        octets(&piece, 5, &mut document)?;
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 128 {
            out.push(u8::try_from(n).unwrap());
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | u8::try_from(bytes.len()).unwrap());
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    fn indefinite(tag: u8, children: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![tag, 0x80];
        for c in children {
            out.extend_from_slice(c);
        }
        out.extend([0, 0]);
        out
    }

    /// A SignedData envelope around `econtent` (the `[0]` element, or none), DER or BER.
    fn envelope(econtent: Option<Vec<u8>>, ber: bool) -> Vec<u8> {
        let data_oid = tlv(
            0x06,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01],
        );
        let mut encap = data_oid;
        if let Some(e) = econtent {
            encap.extend(e);
        }
        let signed = [
            tlv(0x02, &[1]),
            tlv(0x31, &[]),
            tlv(0x30, &encap),
            tlv(0x31, &[]),
        ]
        .concat();
        let oid = tlv(0x06, &SIGNED_DATA);
        if ber {
            indefinite(
                0x30,
                &[oid, indefinite(0xA0, &[indefinite(0x30, &[signed])])],
            )
        } else {
            tlv(0x30, &[oid, tlv(0xA0, &tlv(0x30, &signed))].concat())
        }
    }

    #[test]
    fn opens_der_and_ber_envelopes_and_envelopes_inside_envelopes() {
        let pdf = b"%PDF-1.7\n".repeat(40);
        let der = envelope(Some(tlv(0xA0, &tlv(0x04, &pdf))), false);
        assert_eq!(content(&der).unwrap(), pdf);
        assert!(is_envelope(&der));
        // BER: indefinite lengths, the document in three pieces.
        let pieces: Vec<Vec<u8>> = pdf.chunks(150).map(|c| tlv(0x04, c)).collect();
        let ber = envelope(Some(indefinite(0xA0, &[indefinite(0x24, &pieces)])), true);
        assert_eq!(content(&ber).unwrap(), pdf);
        // Signed twice: the envelope's document is itself an envelope.
        let twice = envelope(Some(tlv(0xA0, &tlv(0x04, &der))), false);
        assert_eq!(content(&twice).unwrap(), pdf);
    }

    #[test]
    fn refuses_what_is_not_a_whole_envelope() {
        assert_eq!(content(b"%PDF-1.7"), Err(P7mError::NotSignedData));
        assert_eq!(content(&envelope(None, false)), Err(P7mError::Detached));
        let der = envelope(Some(tlv(0xA0, &tlv(0x04, b"%PDF-1.7"))), false);
        // Cut short anywhere, or with a length beyond the input: refused, never a panic.
        for cut in 0..der.len() {
            assert!(content(der.get(..cut).unwrap()).is_err(), "{cut}");
        }
        let mut long = der.clone();
        long[1] = 0x84;
        assert!(content(&long).is_err());
        // Nested without end: bounded.
        let deep = (0..100).fold(vec![0x04, 0x00], |acc, _| indefinite(0x24, &[acc]));
        assert!(element(&deep, 0).is_err());
    }
}
