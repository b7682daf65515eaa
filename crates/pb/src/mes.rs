//! The Method of Equal Shares (equalshares.net), for approval ballots.
//!
//! Every voter receives an equal share of the budget. A project can be bought when its
//! supporters can pay its cost between them; among those, the one whose most-charged supporter
//! pays the least per unit of utility (its *affordability* ρ) is bought first, its supporters
//! paying ρ·utility each or all they have left. When nothing more can be bought, the "add1"
//! completion raises every voter's share by one unit of currency and starts again, until the
//! outcome spends the budget exhaustively, or would exceed it (then the last outcome within the
//! budget is kept). This is pabutools' `method_of_equal_shares(instance, profile, sat_class,
//! voter_budget_increment=1)`, computed with the same exact arithmetic; ties are broken by
//! project id in lexicographic order.
//!
//! ## How it is fast
//! With approval ballots a project gives every supporter the same utility (its cost, or 1), so
//! a supporter's only relevant state is what is left of their share. Voters with the same ballot
//! are counted once with a multiplicity, and voters who have paid for the same projects have the
//! same amount left, so they are kept in *classes* that share one exact number: the arithmetic is
//! done per class, not per voter, and a class splits only when a project some of its members
//! support is bought. Affordabilities only grow as shares shrink, so each round examines projects
//! in the order of their last known affordability and stops at the first whose lower bound
//! exceeds the best found, as pabutools does.

use crate::format::{Election, VoteType};
use crate::reader::FastMap;
use crate::Outcome;
use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;

/// What a voter gets from a funded project they approve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utility {
    /// The project's cost (pabutools' `Cost_Sat`): the rule of equalshares.net.
    Cost,
    /// One per approved project (pabutools' `Cardinality_Sat`).
    Cardinality,
}

/// How the budget left after a plain run is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Keep the plain outcome.
    None,
    /// Raise each voter's share by one unit at a time until the outcome is exhaustive ("add1").
    Add1,
}

/// Options of the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MesOptions {
    /// The utility.
    pub utility: Utility,
    /// The completion by raising the shares.
    pub completion: Completion,
    /// Afterwards, fund by approval count (greedy, skipping) what still fits in the budget.
    pub greedy_completion: bool,
}

impl Default for MesOptions {
    fn default() -> Self {
        MesOptions {
            utility: Utility::Cost,
            completion: Completion::Add1,
            greedy_completion: false,
        }
    }
}

/// Why the rule cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MesError {
    /// The ballots are not approval ballots.
    NotApproval(VoteType),
}

impl std::fmt::Display for MesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MesError::NotApproval(t) => {
                write!(
                    f,
                    "the Method of Equal Shares is implemented for approval ballots, not {}",
                    t.as_str()
                )
            }
        }
    }
}

impl std::error::Error for MesError {}

/// The election reduced to what the rule needs.
struct Prepared {
    /// Multiplicity of each distinct ballot.
    mult: Vec<u64>,
    /// For each candidate project, the distinct ballots approving it.
    supporters: Vec<Vec<u32>>,
    /// Index in the election of each candidate project.
    project: Vec<usize>,
    cost: Vec<u128>,
    /// Utility a supporter gets from the project.
    utility: Vec<u128>,
    /// Rank of the project id in lexicographic order (ties go to the lowest).
    rank: Vec<usize>,
    /// ρ before anything is bought: cost / (utility × supporters).
    initial: Vec<Frac>,
    /// Supported projects that cost nothing: always in the outcome.
    free: Vec<usize>,
}

fn prepare(election: &Election, utility: Utility) -> Prepared {
    let mut types: FastMap<Vec<usize>, usize> = FastMap::default();
    let mut mult: Vec<u64> = Vec::new();
    let mut ballots_of_type: Vec<Vec<usize>> = Vec::new();
    for b in &election.ballots {
        let mut key = b.projects.clone();
        key.sort_unstable();
        let t = match types.get(&key) {
            Some(&t) => t,
            None => {
                let t = mult.len();
                types.insert(key.clone(), t);
                mult.push(0);
                ballots_of_type.push(key);
                t
            }
        };
        if let Some(m) = mult.get_mut(t) {
            *m += 1;
        }
    }
    let mut by_project: Vec<Vec<u32>> = vec![Vec::new(); election.projects.len()];
    for (t, ps) in ballots_of_type.iter().enumerate() {
        for &p in ps {
            if let Some(v) = by_project.get_mut(p) {
                v.push(t as u32);
            }
        }
    }
    let mut prepared = Prepared {
        mult,
        supporters: Vec::new(),
        project: Vec::new(),
        cost: Vec::new(),
        utility: Vec::new(),
        rank: Vec::new(),
        initial: Vec::new(),
        free: Vec::new(),
    };
    for (p, (proj, supp)) in election.projects.iter().zip(by_project).enumerate() {
        let count: u64 = supp
            .iter()
            .map(|&t| prepared.mult.get(t as usize).copied().unwrap_or(0))
            .sum();
        if count == 0 {
            continue;
        }
        if proj.cost <= 0 {
            prepared.free.push(p);
            continue;
        }
        let u = match utility {
            Utility::Cost => proj.cost,
            Utility::Cardinality => 1,
        };
        prepared.initial.push(Frac {
            num: BigUint::from(proj.cost.unsigned_abs()),
            den: BigUint::from(u.unsigned_abs()) * count,
        });
        prepared.supporters.push(supp);
        prepared.project.push(p);
        prepared.cost.push(proj.cost.unsigned_abs());
        prepared.utility.push(u.unsigned_abs());
    }
    let mut by_id: Vec<usize> = (0..prepared.project.len()).collect();
    let id = |i: usize| {
        prepared
            .project
            .get(i)
            .and_then(|&p| election.projects.get(p))
            .map(|p| p.id.as_str())
            .unwrap_or("")
    };
    by_id.sort_by(|&a, &b| id(a).cmp(id(b)));
    let mut rank = vec![0; by_id.len()];
    for (r, i) in by_id.into_iter().enumerate() {
        if let Some(x) = rank.get_mut(i) {
            *x = r;
        }
    }
    prepared.rank = rank;
    prepared
}

/// A non-negative fraction, compared exactly by cross-multiplication (never reduced: reducing
/// costs more than it saves here).
#[derive(Clone, Debug)]
struct Frac {
    num: BigUint,
    den: BigUint,
}

impl Frac {
    fn cmp(&self, other: &Frac) -> Ordering {
        (&self.num * &other.den).cmp(&(&other.num * &self.den))
    }
}

/// Reusable working memory for one run.
///
/// Within a run every voter's remaining share is an integer numerator over one common
/// denominator `d`, so comparing shares and adding them needs no fractions at all. Buying a
/// project whose supporters pay `x / (r·d)` each multiplies `d` (and every numerator) by `r`
/// (divided by what `r` and `x` have in common).
struct Scratch {
    d: BigUint,
    class_budget: Vec<BigUint>,
    class_of: Vec<u32>,
    /// Class ids by increasing budget, and each class's position in that order, so that the
    /// supporters of a project are sorted by comparing small integers.
    sorted: Vec<u32>,
    rank: Vec<u32>,
    fresh: Vec<u32>,
    count: Vec<u64>,
    touched: Vec<u32>,
    remap: Vec<u32>,
    lower: Vec<Frac>,
    /// For each project examined this round: the numerator `x` (over `r·d`) of what each rich
    /// supporter pays, and `r`, the number of rich supporters.
    pay: Vec<(BigUint, u64)>,
    alive: Vec<bool>,
}

const NONE: u32 = u32::MAX;

/// One run of the rule where every voter starts with `share / d`; returns candidate indexes in
/// buying order.
fn run(prep: &Prepared, share: BigUint, d: BigUint, s: &mut Scratch) -> Vec<usize> {
    let n_projects = prep.project.len();
    s.d = d;
    // Class 0 holds the voters with nothing left; everyone starts in class 1.
    s.class_budget.clear();
    s.class_budget.push(BigUint::zero());
    s.class_budget.push(share);
    s.class_of.clear();
    s.class_of.resize(prep.mult.len(), 1);
    s.count.clear();
    s.count.resize(2, 0);
    s.sorted.clear();
    s.sorted.extend([0, 1]);
    s.rank.clear();
    s.rank.extend([0, 1]);
    s.lower.clone_from(&prep.initial);
    s.pay.clear();
    s.pay.resize(n_projects, (BigUint::zero(), 0));
    s.alive.clear();
    s.alive.resize(n_projects, true);
    let mut bought = Vec::new();
    let mut order: Vec<usize> = (0..n_projects).collect();
    loop {
        order.retain(|&p| s.alive.get(p).copied().unwrap_or(false));
        {
            let lower = &s.lower;
            order.sort_by(|&a, &b| match (lower.get(a), lower.get(b)) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => Ordering::Equal,
            });
        }
        let mut best: Option<Frac> = None;
        let mut tied: Vec<usize> = Vec::new();
        for &p in &order {
            if let (Some(b), Some(lower)) = (&best, s.lower.get(p)) {
                if lower.cmp(b) == Ordering::Greater {
                    break;
                }
            }
            match affordability(prep, p, s) {
                None => {
                    if let Some(a) = s.alive.get_mut(p) {
                        *a = false;
                    }
                }
                Some((x, rich)) => {
                    let utility = prep.utility.get(p).copied().unwrap_or(1);
                    // ρ = pay / utility = x / (rich · utility · d)
                    let rho = Frac {
                        num: x.clone(),
                        den: &s.d * (u128::from(rich) * utility),
                    };
                    let order = best.as_ref().map(|b| rho.cmp(b));
                    match order {
                        None | Some(Ordering::Less) => {
                            best = Some(rho.clone());
                            tied.clear();
                            tied.push(p);
                        }
                        Some(Ordering::Equal) => tied.push(p),
                        Some(Ordering::Greater) => {}
                    }
                    if let Some(slot) = s.pay.get_mut(p) {
                        *slot = (x, rich);
                    }
                    if let Some(slot) = s.lower.get_mut(p) {
                        *slot = rho;
                    }
                }
            }
        }
        let Some(&chosen) = tied
            .iter()
            .min_by_key(|&&p| prep.rank.get(p).copied().unwrap_or(usize::MAX))
        else {
            return bought;
        };
        bought.push(chosen);
        if let Some(a) = s.alive.get_mut(chosen) {
            *a = false;
        }
        let (x, rich) = s.pay.get(chosen).cloned().unwrap_or((BigUint::zero(), 1));
        // Each rich supporter pays x / (rich · d). Bring everything over d' = d · rich / g.
        let g = (&x % rich)
            .to_u64()
            .map(|r| gcd_u64(r, rich))
            .unwrap_or(1)
            .max(1);
        let scale = rich / g;
        let pay = x / g;
        if scale != 1 {
            s.d *= scale;
            for b in &mut s.class_budget {
                *b *= scale;
            }
        }
        // Split the classes of the supporters: those who pay move to a new class.
        s.remap.clear();
        s.remap.resize(s.class_budget.len(), NONE);
        s.fresh.clear();
        for &t in prep
            .supporters
            .get(chosen)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let Some(k) = s.class_of.get(t as usize).copied() else {
                continue;
            };
            let mapped = s.remap.get(k as usize).copied().unwrap_or(NONE);
            let new = if mapped == NONE {
                let id = match s.class_budget.get(k as usize) {
                    Some(b) if *b > pay => {
                        let left = b - &pay;
                        s.class_budget.push(left);
                        s.count.push(0);
                        let id = (s.class_budget.len() - 1) as u32;
                        s.fresh.push(id);
                        id
                    }
                    _ => 0,
                };
                if let Some(m) = s.remap.get_mut(k as usize) {
                    *m = id;
                }
                id
            } else {
                mapped
            };
            if let Some(c) = s.class_of.get_mut(t as usize) {
                *c = new;
            }
        }
        // Scaling every budget by the same factor kept the order; place the new classes in it.
        for &k in &s.fresh {
            let budgets = &s.class_budget;
            let Some(b) = budgets.get(k as usize) else {
                continue;
            };
            let at = s
                .sorted
                .partition_point(|&c| budgets.get(c as usize).is_some_and(|x| x < b));
            s.sorted.insert(at, k);
        }
        s.rank.resize(s.class_budget.len(), 0);
        for (i, &k) in s.sorted.iter().enumerate() {
            if let Some(r) = s.rank.get_mut(k as usize) {
                *r = i as u32;
            }
        }
    }
}

fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// For a candidate whose supporters can pay for it: the numerator `x` (over `rich · d`) of
/// what each supporter who is not poor pays, and `rich`, how many they are. `None` when its
/// supporters together cannot pay for it.
fn affordability(prep: &Prepared, p: usize, s: &mut Scratch) -> Option<(BigUint, u64)> {
    let supporters = prep.supporters.get(p)?;
    let cost = *prep.cost.get(p)?;
    s.touched.clear();
    let mut total: u64 = 0;
    for &t in supporters {
        let k = *s.class_of.get(t as usize)?;
        if k == 0 {
            // Nothing left to give: such supporters are poor and pay nothing.
            continue;
        }
        let m = *prep.mult.get(t as usize)?;
        let c = s.count.get_mut(k as usize)?;
        if *c == 0 {
            s.touched.push(k);
        }
        *c += m;
        total += m;
    }
    let budgets = &s.class_budget;
    let counts = &s.count;
    let zero = BigUint::zero();
    let b = |k: u32| budgets.get(k as usize).unwrap_or(&zero);
    let n = |k: u32| counts.get(k as usize).copied().unwrap_or(0);
    let rank = &s.rank;
    s.touched
        .sort_unstable_by_key(|&k| rank.get(k as usize).copied().unwrap_or(u32::MAX));
    // The poorest supporters pay all they have; the rest share what remains equally. If even
    // the richest cannot cover what the others leave, the supporters cannot afford it at all.
    let mut remaining = &s.d * cost;
    let mut rich = total;
    let mut result = None;
    for &k in &s.touched {
        let all_of_them = b(k) * rich;
        if remaining <= all_of_them {
            result = Some((remaining, rich));
            break;
        }
        // remaining > b·rich ≥ b·n: no underflow.
        remaining -= b(k) * n(k);
        rich -= n(k);
    }
    for &k in &s.touched {
        if let Some(c) = s.count.get_mut(k as usize) {
            *c = 0;
        }
    }
    result
}

/// Runs the Method of Equal Shares.
pub fn equal_shares(election: &Election, options: MesOptions) -> Result<Outcome, MesError> {
    if !election.vote_type.is_approval() {
        return Err(MesError::NotApproval(election.vote_type));
    }
    let n = election.ballots.len() as u64;
    if n == 0 {
        return Ok(Outcome::new(election, Vec::new()));
    }
    let prep = prepare(election, options.utility);
    let mut scratch = Scratch {
        d: BigUint::one(),
        class_budget: Vec::new(),
        class_of: Vec::new(),
        sorted: Vec::new(),
        rank: Vec::new(),
        fresh: Vec::new(),
        count: Vec::new(),
        touched: Vec::new(),
        remap: Vec::new(),
        lower: Vec::new(),
        pay: Vec::new(),
        alive: Vec::new(),
    };
    let cost_of = |sel: &[usize]| -> i128 {
        sel.iter()
            .map(|&p| election.projects.get(p).map(|x| x.cost).unwrap_or(0))
            .sum()
    };
    // Each voter's share is (budget + k · unit · n) / n after k raises.
    let n_big = BigUint::from(n);
    let raise = BigUint::from(election.unit().unsigned_abs()) * n;
    let mut share = BigUint::from(election.budget.unsigned_abs());
    let mut previous = prep.free.clone();
    let selected = loop {
        let mut outcome = prep.free.clone();
        let bought = run(&prep, share.clone(), n_big.clone(), &mut scratch);
        outcome.extend(
            bought
                .into_iter()
                .filter_map(|c| prep.project.get(c).copied()),
        );
        if options.completion == Completion::None {
            break outcome;
        }
        let spent = cost_of(&outcome);
        if spent > election.budget {
            break previous;
        }
        let exhaustive = prep
            .project
            .iter()
            .zip(&prep.cost)
            .all(|(p, &c)| outcome.contains(p) || spent + c as i128 > election.budget);
        if exhaustive {
            break outcome;
        }
        previous = outcome;
        share += &raise;
    };
    let mut outcome = Outcome::new(election, selected);
    if options.greedy_completion {
        outcome = outcome.completed_greedily(election);
    }
    Ok(outcome)
}
