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

#[cfg(test)]
mod tests {
    use super::*;

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
