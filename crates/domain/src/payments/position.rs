//! Debt positions (posizioni debitorie) as pagoPA's debt-position service models them: a
//! debtor, one or more payment options — a single payment, or instalments each with its due
//! date — and for each option up to five transfers: to the creditor's IBAN, to another ente's
//! (a payment for several beneficiaries), or a digital revenue stamp (marca da bollo
//! digitale). Amounts are cents, summed only with checked arithmetic: the transfers of an
//! option always add up to the option.

use time::Date;

use super::NoticeNumber;
use crate::Money;

/// The most transfers one payment option may have (pagoPA's limit).
pub const MAX_TRANSFERS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    /// Codice fiscale or partita IVA.
    pub fiscal_code: String,
    pub name: String,
}

/// Where a transfer's money goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTarget {
    /// A bank or postal account of a creditor (this ente, or another for a payment with
    /// several beneficiaries), named by its fiscal code.
    Iban {
        iban: String,
        creditor_fiscal_code: String,
    },
    /// A digital revenue stamp: the document it is for (SHA-256, base64), the stamp's type
    /// (`01`: imposta di bollo) and the debtor's province of residence.
    Stamp {
        document_hash: String,
        stamp_type: String,
        province: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// 1 to 5, unique in its option.
    pub id: u8,
    pub amount: Money,
    /// The reason (causale) the beneficiary reads.
    pub remittance: String,
    /// The pagoPA taxonomy code of the revenue (`9/0101108TS/`).
    pub category: String,
    pub target: TransferTarget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOption {
    pub notice: NoticeNumber,
    pub amount: Money,
    pub due: Date,
    /// One of an instalment plan, rather than the single payment.
    pub instalment: bool,
    pub transfers: Vec<Transfer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtPosition {
    /// The creditor's identifier of the position (IUPD), unique for the creditor.
    pub iupd: String,
    pub creditor_fiscal_code: String,
    pub debtor: Debtor,
    /// What it is for, as the debtor reads it.
    pub subject: String,
    pub options: Vec<PaymentOption>,
}

/// Why a position is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    #[error("a position has at least one payment option")]
    NoOptions,
    #[error("an option has between one and five transfers")]
    TransferCount,
    #[error("transfer ids are 1 to 5, each once")]
    TransferIds,
    #[error("the transfers of option {notice} add up to {sum} cents, not {amount}")]
    TransfersDoNotAddUp {
        notice: String,
        sum: i64,
        amount: i64,
    },
    #[error("an amount is too large to add up")]
    Overflow,
    #[error("an option's amount is more than zero")]
    ZeroAmount,
    #[error("the first transfer goes to the creditor of the position")]
    FirstTransferNotTheCreditor,
    #[error("at most one single payment option")]
    TwoSingleOptions,
    #[error("instalments have distinct due dates")]
    InstalmentDates,
    #[error("a notice number is used twice")]
    NoticeReused,
    #[error("the debtor's fiscal code is missing")]
    DebtorMissing,
    #[error("a position in state {from:?} cannot {event:?}")]
    Transition {
        from: PositionState,
        event: PositionEvent,
    },
}

impl DebtPosition {
    /// Checks the position whole: options, transfers, sums, notice numbers.
    pub fn check(&self) -> Result<(), PositionError> {
        if self.debtor.fiscal_code.trim().is_empty() {
            return Err(PositionError::DebtorMissing);
        }
        if self.options.is_empty() {
            return Err(PositionError::NoOptions);
        }
        if self.options.iter().filter(|o| !o.instalment).count() > 1 {
            return Err(PositionError::TwoSingleOptions);
        }
        let mut dates: Vec<Date> = self
            .options
            .iter()
            .filter(|o| o.instalment)
            .map(|o| o.due)
            .collect();
        let instalments = dates.len();
        dates.sort();
        dates.dedup();
        if dates.len() != instalments {
            return Err(PositionError::InstalmentDates);
        }
        let mut notices: Vec<&str> = self.options.iter().map(|o| o.notice.as_str()).collect();
        notices.sort_unstable();
        notices.dedup();
        if notices.len() != self.options.len() {
            return Err(PositionError::NoticeReused);
        }
        for o in &self.options {
            o.check(&self.creditor_fiscal_code)?;
        }
        Ok(())
    }

    /// The total of the single payment, or of the instalment plan when there is no single one.
    pub fn total(&self) -> Option<Money> {
        match self.options.iter().find(|o| !o.instalment) {
            Some(single) => Some(single.amount),
            None => Money::sum(self.options.iter().map(|o| o.amount)),
        }
    }
}

impl PaymentOption {
    fn check(&self, creditor: &str) -> Result<(), PositionError> {
        if self.amount.is_zero() {
            return Err(PositionError::ZeroAmount);
        }
        if self.transfers.is_empty() || self.transfers.len() > MAX_TRANSFERS {
            return Err(PositionError::TransferCount);
        }
        let mut ids: Vec<u8> = self.transfers.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != self.transfers.len() || ids.iter().any(|i| !(1..=5).contains(i)) {
            return Err(PositionError::TransferIds);
        }
        match self.transfers.iter().find(|t| t.id == 1).map(|t| &t.target) {
            Some(TransferTarget::Iban {
                creditor_fiscal_code,
                ..
            }) if creditor_fiscal_code == creditor => {}
            // A stamp alone (a certificate's bollo) is the creditor's own collection.
            Some(TransferTarget::Stamp { .. }) => {}
            _ => return Err(PositionError::FirstTransferNotTheCreditor),
        }
        let sum =
            Money::sum(self.transfers.iter().map(|t| t.amount)).ok_or(PositionError::Overflow)?;
        if sum != self.amount {
            return Err(PositionError::TransfersDoNotAddUp {
                notice: self.notice.to_string(),
                sum: sum.cents(),
                amount: self.amount.cents(),
            });
        }
        Ok(())
    }
}

/// The states of a debt position, as pagoPA's debt-position service names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PositionState {
    /// Written, not yet payable.
    Draft,
    /// Published and payable.
    Valid,
    /// Withdrawn by the creditor before being paid.
    Invalid,
    /// Past its due date unpaid, and no longer payable.
    Expired,
    /// Some instalments paid.
    PartiallyPaid,
    /// Paid (the receipt arrived).
    Paid,
    /// Paid and reported in a reporting flow (rendicontato).
    Reported,
}

/// What happens to a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PositionEvent {
    Publish,
    Invalidate,
    Expire,
    /// An option was paid; `settles` when with it the position is paid in full (the single
    /// option, or the last instalment).
    OptionPaid {
        settles: bool,
    },
    /// The payments were reported in a flow.
    Reported,
}

impl PositionState {
    pub const ALL: [PositionState; 7] = [
        Self::Draft,
        Self::Valid,
        Self::Invalid,
        Self::Expired,
        Self::PartiallyPaid,
        Self::Paid,
        Self::Reported,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Expired => "expired",
            Self::PartiallyPaid => "partially_paid",
            Self::Paid => "paid",
            Self::Reported => "reported",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the debtor may still pay it.
    pub fn payable(self) -> bool {
        matches!(self, Self::Valid | Self::PartiallyPaid)
    }

    /// The state after `event`, or why it cannot happen. A receipt for a position no longer
    /// payable is not refused here: money that arrived is recorded (the store keeps it as an
    /// anomaly) — this is the position's own life.
    pub fn after(self, event: PositionEvent) -> Result<Self, PositionError> {
        use PositionEvent as E;
        use PositionState as S;
        let next = match (self, event) {
            (S::Draft, E::Publish) => S::Valid,
            (S::Draft | S::Valid, E::Invalidate) => S::Invalid,
            (S::Valid, E::Expire) => S::Expired,
            (S::Valid | S::PartiallyPaid, E::OptionPaid { settles: true }) => S::Paid,
            (S::Valid | S::PartiallyPaid, E::OptionPaid { settles: false }) => S::PartiallyPaid,
            (S::Paid, E::Reported) => S::Reported,
            (from, event) => return Err(PositionError::Transition { from, event }),
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NoticeNumber, SegregationCode};
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const LIVORNO: &str = "00104330493";

    fn notice(base: u64) -> NoticeNumber {
        NoticeNumber::issue(SegregationCode::new(1).unwrap(), base).unwrap()
    }

    fn transfer(id: u8, cents: i64, to: &str) -> Transfer {
        Transfer {
            id,
            amount: Money::from_cents(cents).unwrap(),
            remittance: "Diritti di segreteria".into(),
            category: "9/0101108TS/".into(),
            target: TransferTarget::Iban {
                iban: "IT60X0542811101000000123456".into(),
                creditor_fiscal_code: to.into(),
            },
        }
    }

    fn position(options: Vec<PaymentOption>) -> DebtPosition {
        DebtPosition {
            iupd: "049009-CILA-1".into(),
            creditor_fiscal_code: LIVORNO.into(),
            debtor: Debtor {
                fiscal_code: "RSSMRA80A01E625I".into(),
                name: "Mario Rossi".into(),
            },
            subject: "Diritti di istruttoria CILA".into(),
            options,
        }
    }

    #[test]
    fn a_position_is_checked_whole() {
        let single = PaymentOption {
            notice: notice(1),
            amount: Money::from_cents(5000).unwrap(),
            due: date!(2026 - 12 - 31),
            instalment: false,
            transfers: vec![transfer(1, 3000, LIVORNO), transfer(2, 2000, "80002150492")],
        };
        assert_eq!(position(vec![single.clone()]).check(), Ok(()));
        let mut wrong = single.clone();
        wrong.transfers[1].amount = Money::from_cents(1999).unwrap();
        assert!(matches!(
            position(vec![wrong]).check(),
            Err(PositionError::TransfersDoNotAddUp {
                sum: 4999,
                amount: 5000,
                ..
            })
        ));
        let mut other_first = single.clone();
        other_first.transfers[0].target = TransferTarget::Iban {
            iban: "IT60X0542811101000000123456".into(),
            creditor_fiscal_code: "80002150492".into(),
        };
        assert_eq!(
            position(vec![other_first]).check(),
            Err(PositionError::FirstTransferNotTheCreditor)
        );
        let mut six = single.clone();
        six.transfers = (1..=6).map(|i| transfer(i, 1, LIVORNO)).collect();
        assert_eq!(
            position(vec![six]).check(),
            Err(PositionError::TransferCount)
        );
        assert_eq!(
            position(vec![single.clone(), single.clone()]).check(),
            Err(PositionError::TwoSingleOptions)
        );
        // Two instalments and the single payment: the plan or the whole at once.
        let rate = |base, due, cents| PaymentOption {
            notice: notice(base),
            amount: Money::from_cents(cents).unwrap(),
            due,
            instalment: true,
            transfers: vec![transfer(1, cents, LIVORNO)],
        };
        let plan = position(vec![
            single.clone(),
            rate(2, date!(2026 - 12 - 31), 2500),
            rate(3, date!(2027 - 01 - 31), 2500),
        ]);
        assert_eq!(plan.check(), Ok(()));
        assert_eq!(plan.total(), Some(Money::from_cents(5000).unwrap()));
        let same_day = position(vec![
            rate(2, date!(2026 - 12 - 31), 2500),
            rate(3, date!(2026 - 12 - 31), 2500),
        ]);
        assert_eq!(same_day.check(), Err(PositionError::InstalmentDates));
        assert_eq!(same_day.total(), Some(Money::from_cents(5000).unwrap()));
        let reused = position(vec![
            rate(2, date!(2026 - 12 - 31), 1),
            rate(2, date!(2027 - 01 - 31), 1),
        ]);
        assert_eq!(reused.check(), Err(PositionError::NoticeReused));
    }

    #[test]
    fn the_lifecycle() {
        use PositionEvent as E;
        use PositionState as S;
        let paid_by_instalments = S::Draft
            .after(E::Publish)
            .and_then(|s| s.after(E::OptionPaid { settles: false }))
            .and_then(|s| s.after(E::OptionPaid { settles: true }))
            .and_then(|s| s.after(E::Reported));
        assert_eq!(paid_by_instalments, Ok(S::Reported));
        assert!(
            S::Draft.after(E::OptionPaid { settles: true }).is_err(),
            "a draft is not payable"
        );
        assert!(
            S::Paid.after(E::Invalidate).is_err(),
            "a paid position is not withdrawn"
        );
        assert!(S::Expired.after(E::Publish).is_err());
        for s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(s));
        }
    }

    proptest! {
        /// Split an amount into up to five transfers any way at all: the position checks,
        /// and one cent off anywhere is refused.
        #[test]
        fn transfers_always_sum_to_the_option(
            parts in proptest::collection::vec(1i64..50_000_000, 1..=5),
            off in 0usize..5,
        ) {
            let total: i64 = parts.iter().sum();
            let transfers: Vec<Transfer> = parts
                .iter()
                .enumerate()
                .map(|(i, c)| transfer(u8::try_from(i + 1).unwrap(), *c, LIVORNO))
                .collect();
            let option = PaymentOption {
                notice: notice(7),
                amount: Money::from_cents(total).unwrap(),
                due: date!(2026 - 12 - 31),
                instalment: false,
                transfers,
            };
            prop_assert_eq!(position(vec![option.clone()]).check(), Ok(()));
            let mut wrong = option;
            let i = off % wrong.transfers.len();
            wrong.transfers[i].amount = Money::from_cents(wrong.transfers[i].amount.cents() + 1).unwrap();
            let refused = matches!(position(vec![wrong]).check(), Err(PositionError::TransfersDoNotAddUp { .. }));
            prop_assert!(refused);
        }

        /// Whatever happens, in any order: a position is paid only after being published and
        /// paid, reported only after being paid, and nothing leaves Invalid or Reported.
        #[test]
        fn the_lifecycle_holds_under_any_events(events in proptest::collection::vec(0u8..6, 0..20)) {
            use PositionEvent as E;
            use PositionState as S;
            let mut state = S::Draft;
            let mut published = false;
            let mut settled = false;
            for e in events {
                let event = match e {
                    0 => E::Publish,
                    1 => E::Invalidate,
                    2 => E::Expire,
                    3 => E::OptionPaid { settles: false },
                    4 => E::OptionPaid { settles: true },
                    _ => E::Reported,
                };
                if let Ok(next) = state.after(event) {
                        prop_assert!(!matches!(state, S::Invalid | S::Reported), "terminal states stay");
                        published |= event == E::Publish;
                        settled |= event == (E::OptionPaid { settles: true });
                        if next == S::Paid { prop_assert!(published && settled); }
                        if next == S::Reported { prop_assert_eq!(state, S::Paid); }
                        state = next;
                }
            }
        }
    }
}
