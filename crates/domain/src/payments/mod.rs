//! Payments to the ente through pagoPA (issue 17), as the creditor sees them: the notice number
//! and its IUV, debt positions with their payment options and transfers, and the states a
//! position goes through. Pure rules: numbering, sums and transitions; the store keeps the
//! sequences and the platform's messages.

mod notice;
mod position;

pub use notice::{NoticeError, NoticeNumber, SegregationCode, IUV_BASE_MAX};
pub use position::{
    DebtPosition, Debtor, PaymentOption, PositionError, PositionEvent, PositionState, Transfer,
    TransferTarget, MAX_TRANSFERS,
};

/// The QR code a payment notice carries (avviso pagoPA v3): `PAGOPA|002|<notice number>|<the
/// creditor's fiscal code>|<amount in cents>`.
pub fn qr_payload(
    notice: &NoticeNumber,
    creditor_fiscal_code: &str,
    amount: crate::Money,
) -> String {
    format!(
        "PAGOPA|002|{}|{creditor_fiscal_code}|{:02}",
        notice.as_str(),
        amount.cents()
    )
}

/// What the postal block's Data Matrix holds (Poste Italiane's «Bollettino Postale PA», as
/// the notice v3 refers to Poste's manual for in-house printing): 256 characters in fixed
/// fields —
///
/// `codfase=NBPA;` · `18` + the notice number · `12` + the postal account (12 digits, zeros
/// on the left) · `10` + the amount in cents (10 digits) · `3` + `896` (the document type) ·
/// `1P1` · the creditor's fiscal code (11) · the debtor's fiscal code (16) · the debtor's name
/// (40) · the subject (110) · a filler of 12 spaces · `A`.
///
/// Text fields are in capitals without accents (Poste reads a restricted alphabet), cut or
/// padded with spaces to their width. `None` when a number does not fit its field.
pub fn postal_data_matrix(
    notice: &NoticeNumber,
    postal_account: &str,
    amount: crate::Money,
    creditor_fiscal_code: &str,
    debtor_fiscal_code: &str,
    debtor_name: &str,
    subject: &str,
) -> Option<String> {
    let account: String = postal_account.split_whitespace().collect();
    if account.is_empty() || account.len() > 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = amount.cents();
    if !(0..=9_999_999_999).contains(&cents) || creditor_fiscal_code.len() != 11 {
        return None;
    }
    let field = |text: &str, width: usize| -> String {
        let mut out: String = text.chars().map(postal_char).take(width).collect();
        while out.chars().count() < width {
            out.push(' ');
        }
        out
    };
    Some(format!(
        "codfase=NBPA;18{}12{account:0>12}10{cents:010}3896\
         1P1{}{}{}{}{}A",
        notice.as_str(),
        field(creditor_fiscal_code, 11),
        field(debtor_fiscal_code, 16),
        field(debtor_name, 40),
        field(subject, 110),
        " ".repeat(12),
    ))
}

/// A character as the postal Data Matrix may hold it: capitals, digits and plain punctuation;
/// an accented letter loses its accent, anything else becomes a space.
fn postal_char(c: char) -> char {
    let plain = match c {
        'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'A',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'O',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ç' | 'Ç' => 'C',
        'ñ' | 'Ñ' => 'N',
        '’' | '‘' => '\'',
        c => c,
    };
    let upper = plain.to_ascii_uppercase();
    if upper.is_ascii_alphanumeric() || " .,-/'()".contains(upper) {
        upper
    } else {
        ' '
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postal_data_matrix_has_its_fields_where_poste_reads_them() {
        let notice = NoticeNumber::issue(SegregationCode::new(1).unwrap(), 12_345).unwrap();
        let text = postal_data_matrix(
            &notice,
            "1234567",
            crate::Money::from_cents(5_052).unwrap(),
            "00104330493",
            "RSSMRA80A01H501U",
            "Niccolò D’Àngelo de' Medici con un nome molto più lungo del campo",
            "Diritti di segreteria — città",
        )
        .unwrap();
        assert_eq!(text.len(), 256);
        assert!(text.is_ascii());
        assert_eq!(&text[..13], "codfase=NBPA;");
        assert_eq!(&text[13..15], "18");
        assert_eq!(&text[15..33], notice.as_str());
        assert_eq!(&text[33..47], "12000001234567");
        assert_eq!(&text[47..59], "100000005052");
        assert_eq!(&text[59..63], "3896");
        assert_eq!(&text[63..66], "1P1");
        assert_eq!(&text[66..77], "00104330493");
        assert_eq!(&text[77..93], "RSSMRA80A01H501U");
        assert_eq!(&text[93..133], "NICCOLO D'ANGELO DE' MEDICI CON UN NOME ");
        assert!(text[133..243].starts_with("DIRITTI DI SEGRETERIA   CITTA   "));
        assert_eq!(&text[243..255], " ".repeat(12));
        assert_eq!(&text[255..], "A");
        // A number that does not fit its field gives no Data Matrix.
        let amount = crate::Money::from_cents(1).unwrap();
        assert!(
            postal_data_matrix(&notice, "1234567890123", amount, "00104330493", "", "", "")
                .is_none()
        );
        assert!(postal_data_matrix(&notice, "", amount, "00104330493", "", "", "").is_none());
        assert!(postal_data_matrix(&notice, "12a", amount, "00104330493", "", "", "").is_none());
    }

    /// The shape pagoPA's own app reads (io-app's test: `PAGOPA|002|322201151398574181|
    /// 81005750021|01`).
    #[test]
    fn the_qr_payload() {
        let n = NoticeNumber::parse("322201151398574181").unwrap();
        let one_cent = crate::Money::from_cents(1).unwrap();
        assert_eq!(
            qr_payload(&n, "81005750021", one_cent),
            "PAGOPA|002|322201151398574181|81005750021|01"
        );
        let fee = crate::Money::from_cents(5000).unwrap();
        assert_eq!(
            qr_payload(&n, "00104330493", fee),
            "PAGOPA|002|322201151398574181|00104330493|5000"
        );
    }
}
