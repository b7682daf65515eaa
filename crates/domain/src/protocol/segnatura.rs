//! The segnatura informatica of a registration (AgID, Linee guida sul documento informatico,
//! allegato 6; schema `segnatura_protocollo.xsd` 3.0.0): who registered what, when, with the
//! digests of the document and its attachments, sealed with an enveloped XML signature.
//!
//! The XML is written directly in canonical form (Exclusive XML Canonicalization 1.0: no
//! self-closing tags, sorted attributes, namespace declarations only where first used, canonical
//! escaping), so the digest of what we write is the digest a verifier computes after the
//! enveloped-signature and exc-c14n transforms. The signature itself is made by the caller
//! (the app holds the AOO's sealing key), which keeps this module pure.
//!
//! What cannot be real here: XAdES baseline B asks for the signing certificate
//! (`SigningCertificateV2`), which for an AOO is a qualified electronic seal issued by a
//! qualified trust service provider. We carry the signing time and name the key; the key's
//! public half is published so anyone can verify the seal.

use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use sha2::{Digest, Sha256};

pub const NS_PROT: &str = "http://www.agid.gov.it/protocollo/";
pub const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const NS_XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
/// The register's code in the segnatura (`CodiceRegistro`, at most 16 characters).
pub const REGISTER_CODE: &str = "REG_PROT_GEN";

/// Text content in canonical form.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// An attribute value in canonical form.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Characters XML 1.0 allows; others (control characters) are dropped.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `<prot:name>text</prot:name>`
fn el(name: &str, content: &str) -> String {
    format!("<prot:{name}>{}</prot:{name}>", text(content))
}

/// The identifier of a registration (art. 55 DPR 445/2000).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identificatore {
    /// IPA code of the administration (e.g. `c_e625`).
    pub amministrazione: String,
    pub aoo: String,
    pub numero: i64,
    /// `YYYY-MM-DD`.
    pub data: String,
    /// `hh:mm:ss+01:00`.
    pub ora: String,
}

impl Identificatore {
    fn xml(&self, tag: &str) -> String {
        format!(
            "<prot:{tag}>{}{}{}{}{}{}</prot:{tag}>",
            el("CodiceAmministrazione", &self.amministrazione),
            el("CodiceAOO", &self.aoo),
            el("CodiceRegistro", REGISTER_CODE),
            el("NumeroRegistrazione", &super::format_number(self.numero)),
            el("DataRegistrazione", &self.data),
            el("OraRegistrazione", &self.ora),
        )
    }
}

/// A party: the administration itself, a person, or a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Soggetto {
    Amministrazione {
        denominazione: String,
        ipa: String,
        aoo: String,
    },
    PersonaFisica {
        nome: String,
        cognome: String,
        codice_fiscale: Option<String>,
        email: Option<String>,
    },
}

impl Soggetto {
    fn xml(&self) -> String {
        match self {
            Soggetto::Amministrazione {
                denominazione,
                ipa,
                aoo,
            } => format!(
                "<prot:Amministrazione>{}{}{}</prot:Amministrazione>",
                el("DenominazioneAmministrazione", denominazione),
                el("CodiceIPAAmministrazione", ipa),
                el("CodiceIPAAOO", aoo)
            ),
            Soggetto::PersonaFisica {
                nome,
                cognome,
                codice_fiscale,
                email,
            } => {
                let cf = codice_fiscale
                    .as_deref()
                    .map(|c| el("CodiceFiscale", c))
                    .unwrap_or_default();
                let contacts = email
                    .as_deref()
                    .map(|e| {
                        format!(
                            "<prot:Contatti><prot:IndirizzoTelematico prot:tipo=\"smtp\">{}</prot:IndirizzoTelematico></prot:Contatti>",
                            text(e)
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "<prot:PersonaFisica>{}{}{cf}{contacts}</prot:PersonaFisica>",
                    el("Nome", nome),
                    el("Cognome", cognome)
                )
            }
        }
    }
}

/// A document of the message: the primary document or an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documento {
    pub nome_file: String,
    pub mime_type: String,
    pub descrizione: String,
    /// SHA-256, hex (as the register stores it).
    pub sha256_hex: String,
}

impl Documento {
    fn xml(&self, tag: &str) -> Result<String, SegnaturaError> {
        let digest = HEXLOWER_PERMISSIVE
            .decode(self.sha256_hex.as_bytes())
            .map_err(|_| SegnaturaError::BadDigest)?;
        if digest.len() != 32 {
            return Err(SegnaturaError::BadDigest);
        }
        Ok(format!(
            "<prot:{tag} prot:mimeType=\"{}\" prot:nomeFile=\"{}\">{}<prot:Impronta prot:algoritmo=\"SHA-256\">{}</prot:Impronta></prot:{tag}>",
            attr(&self.mime_type),
            attr(&self.nome_file),
            el("Descrizione", &self.descrizione),
            BASE64.encode(&digest)
        ))
    }
}

/// Everything a segnatura says, before it is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segnatura {
    pub identificatore: Identificatore,
    pub oggetto: String,
    /// (description, code) of the classification in the titolario.
    pub classifica: (String, String),
    /// (name, code) of the fascicolo.
    pub fascicolo: (String, String),
    /// The registration this one answers (the application it concerns), with its subject.
    pub riferimento: Option<(Identificatore, String)>,
    pub mittente: Soggetto,
    pub destinatari: Vec<Soggetto>,
    pub documento: Documento,
    pub allegati: Vec<Documento>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegnaturaError {
    #[error("impronta non valida: serve uno SHA-256 in esadecimale")]
    BadDigest,
    #[error("serve almeno un destinatario")]
    NoRecipient,
}

impl Segnatura {
    fn classifica_xml(&self) -> String {
        format!(
            "<prot:Classifica>{}{}</prot:Classifica>",
            el("Denominazione", &self.classifica.0),
            el("CodiceFlat", &self.classifica.1)
        )
    }

    /// The root element without its signature, in canonical form: what the document reference
    /// digests.
    fn body(&self) -> Result<(String, String), SegnaturaError> {
        if self.destinatari.is_empty() {
            return Err(SegnaturaError::NoRecipient);
        }
        let intestazione = format!(
            "<prot:Intestazione>{}{}{}<prot:Fascicolo>{}{}</prot:Fascicolo></prot:Intestazione>",
            self.identificatore.xml("Identificatore"),
            el("Oggetto", &self.oggetto),
            self.classifica_xml(),
            el("Denominazione", &self.fascicolo.0),
            el("CodiceFascicolo", &self.fascicolo.1),
        );
        let riferimenti = self
            .riferimento
            .as_ref()
            .map(|(id, oggetto)| {
                format!(
                    "<prot:Riferimenti>{}{}{}</prot:Riferimenti>",
                    id.xml("Identificatore"),
                    el("Oggetto", oggetto),
                    self.classifica_xml()
                )
            })
            .unwrap_or_default();
        let mut descrizione = format!(
            "<prot:Descrizione><prot:Mittente>{}</prot:Mittente>",
            self.mittente.xml()
        );
        for d in &self.destinatari {
            descrizione.push_str(&format!(
                "<prot:Destinatario>{}</prot:Destinatario>",
                d.xml()
            ));
        }
        descrizione.push_str(&self.documento.xml("DocumentoPrimario")?);
        for a in &self.allegati {
            descrizione.push_str(&a.xml("Allegato")?);
        }
        descrizione.push_str("</prot:Descrizione>");
        let open = format!(
            "<prot:SegnaturaInformatica xmlns:prot=\"{NS_PROT}\" prot:lang=\"it\" prot:versione=\"3.0.0\">{intestazione}{riferimenti}{descrizione}"
        );
        Ok((open, "</prot:SegnaturaInformatica>".to_string()))
    }

    /// Seals the segnatura: `sign` receives the canonical SignedInfo and returns the raw ECDSA
    /// P-256 signature (r ‖ s). `key_name` names the AOO's sealing key; `signing_time` is
    /// RFC 3339 UTC.
    pub fn sealed(
        &self,
        key_name: &str,
        signing_time: &str,
        sign: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> Result<String, SegnaturaError> {
        let (open, close) = self.body()?;
        let id = format!(
            "{}-{}",
            self.identificatore.aoo,
            super::format_number(self.identificatore.numero)
        )
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>();
        let document_digest = BASE64.encode(&Sha256::digest(format!("{open}{close}").as_bytes()));
        let props = format!(
            "<xades:SignedProperties xmlns:xades=\"{NS_XADES}\" Id=\"xades-{id}\"><xades:SignedSignatureProperties>\
             <xades:SigningTime>{}</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties>",
            text(signing_time)
        );
        let props_digest = BASE64.encode(&Sha256::digest(props.as_bytes()));
        let signed_info = format!(
            "<ds:SignedInfo xmlns:ds=\"{NS_DS}\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod>\
             <ds:SignatureMethod Algorithm=\"{ECDSA_SHA256}\"></ds:SignatureMethod>\
             <ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"></ds:Transform>\
             <ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod><ds:DigestValue>{document_digest}</ds:DigestValue></ds:Reference>\
             <ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" URI=\"#xades-{id}\"><ds:Transforms>\
             <ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod><ds:DigestValue>{props_digest}</ds:DigestValue></ds:Reference>\
             </ds:SignedInfo>"
        );
        let value = BASE64.encode(&sign(signed_info.as_bytes()));
        Ok(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{open}<ds:Signature xmlns:ds=\"{NS_DS}\" Id=\"sig-{id}\">{signed_info}\
             <ds:SignatureValue>{value}</ds:SignatureValue><ds:KeyInfo><ds:KeyName>{}</ds:KeyName></ds:KeyInfo>\
             <ds:Object><xades:QualifyingProperties xmlns:xades=\"{NS_XADES}\" Target=\"#sig-{id}\">{props}</xades:QualifyingProperties></ds:Object>\
             </ds:Signature>{close}\n",
            text(key_name)
        ))
    }
}

/// The signed bytes of a sealed segnatura: its canonical SignedInfo and the raw signature, for
/// checking the seal with the AOO's public key.
pub fn signed_parts(xml: &str) -> Option<(String, Vec<u8>)> {
    let start = xml.find("<ds:SignedInfo")?;
    let end = xml.find("</ds:SignedInfo>")? + "</ds:SignedInfo>".len();
    let signed_info = xml.get(start..end)?.to_string();
    let v0 = xml.find("<ds:SignatureValue>")? + "<ds:SignatureValue>".len();
    let v1 = xml.find("</ds:SignatureValue>")?;
    let value = BASE64.decode(xml.get(v0..v1)?.as_bytes()).ok()?;
    Some((signed_info, value))
}

/// The canonical form of the sealed document minus its signature: what the first reference
/// digests; with [`signed_parts`] a verifier can check both the seal and the content.
pub fn unsigned_body(xml: &str) -> Option<String> {
    let start = xml.find("<prot:SegnaturaInformatica")?;
    let s0 = xml.find("<ds:Signature ")?;
    let s1 = xml.find("</ds:Signature>")? + "</ds:Signature>".len();
    let end = xml.find("</prot:SegnaturaInformatica>")? + "</prot:SegnaturaInformatica>".len();
    Some(format!("{}{}", xml.get(start..s0)?, xml.get(s1..end)?))
}

/// Whether the document digest inside the SignedInfo matches the body.
pub fn body_digest_matches(xml: &str) -> bool {
    let (Some(body), Some((signed_info, _))) = (unsigned_body(xml), signed_parts(xml)) else {
        return false;
    };
    let digest = BASE64.encode(&Sha256::digest(body.as_bytes()));
    signed_info.contains(&format!(
        "<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference><ds:Reference Type"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Segnatura {
        let id = Identificatore {
            amministrazione: "c_e625".into(),
            aoo: "AOO-049009".into(),
            numero: 12,
            data: "2026-11-24".into(),
            ora: "10:15:00+01:00".into(),
        };
        Segnatura {
            identificatore: id.clone(),
            oggetto: "Provvedimento di accoglimento — «Occupazione» & <suolo>".into(),
            classifica: ("Attività economiche".into(), "VIII.1".into()),
            fascicolo: ("2026/occupazione".into(), "2026/occupazione/abc".into()),
            riferimento: Some((Identificatore { numero: 3, ..id }, "Domanda".into())),
            mittente: Soggetto::Amministrazione {
                denominazione: "Comune di Livorno".into(),
                ipa: "c_e625".into(),
                aoo: "AOO-049009".into(),
            },
            destinatari: vec![Soggetto::PersonaFisica {
                nome: "Mario".into(),
                cognome: "Rossi".into(),
                codice_fiscale: Some("RSSMRA85T10A562S".into()),
                email: Some("mario@example.invalid".into()),
            }],
            documento: Documento {
                nome_file: "decisione.pdf".into(),
                mime_type: "application/pdf".into(),
                descrizione: "Provvedimento".into(),
                sha256_hex: "ab".repeat(32),
            },
            allegati: vec![],
        }
    }

    #[test]
    fn escapes_and_seals() {
        let mut seen = Vec::new();
        let xml = sample()
            .sealed("AOO-049009-seal", "2026-11-24T09:15:00Z", |b| {
                seen = b.to_vec();
                vec![7; 64]
            })
            .unwrap();
        assert!(xml.contains("&amp; &lt;suolo&gt;"));
        assert!(xml.contains("prot:lang=\"it\" prot:versione=\"3.0.0\""));
        assert!(xml.contains("<prot:NumeroRegistrazione>0000012</prot:NumeroRegistrazione>"));
        let (signed_info, value) = signed_parts(&xml).unwrap();
        assert_eq!(signed_info.as_bytes(), seen.as_slice());
        assert_eq!(value, vec![7; 64]);
        assert!(body_digest_matches(&xml));
        // Any change to the content breaks the digest.
        let tampered = xml.replace("Mario", "Maria");
        assert!(!body_digest_matches(&tampered));
    }

    #[test]
    fn refuses_a_bad_digest_and_no_recipient() {
        let mut s = sample();
        s.documento.sha256_hex = "xyz".into();
        assert_eq!(
            s.sealed("k", "t", |_| vec![]),
            Err(SegnaturaError::BadDigest)
        );
        let mut s = sample();
        s.destinatari.clear();
        assert_eq!(
            s.sealed("k", "t", |_| vec![]),
            Err(SegnaturaError::NoRecipient)
        );
    }
}
