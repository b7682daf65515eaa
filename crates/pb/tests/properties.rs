//! Properties of the rules on random small elections: no outcome exceeds the budget, greedy is
//! exhaustive, and the Method of Equal Shares agrees with a direct, voter-by-voter
//! implementation of its definition (written here independently of the optimised one, in the
//! same exact arithmetic) and satisfies the checks of that definition.
#![allow(
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop
)]

use proptest::prelude::*;
use sportello_pb::rational::Q;
use sportello_pb::{
    equal_shares, greedy, Ballot, Completion, Election, Greedy, MesOptions, Project, Row, Utility,
    VoteType,
};

fn election(budget: i128, costs: &[i128], ballots: &[Vec<usize>]) -> Election {
    Election {
        meta: vec![
            ("budget".into(), budget.to_string()),
            ("vote_type".into(), "approval".into()),
        ],
        vote_type: VoteType::Approval,
        budget,
        scale: 0,
        project_columns: Row::new(["project_id", "cost"]),
        projects: costs
            .iter()
            .enumerate()
            .map(|(i, c)| Project {
                id: format!("p{i}"),
                cost: *c,
                fields: Row::new([format!("p{i}"), c.to_string()]),
            })
            .collect(),
        vote_columns: Row::new(["voter_id", "vote"]),
        ballots: ballots
            .iter()
            .enumerate()
            .map(|(v, b)| Ballot {
                projects: b.clone(),
                points: Vec::new(),
                fields: Row::new([
                    v.to_string(),
                    b.iter()
                        .map(|p| format!("p{p}"))
                        .collect::<Vec<_>>()
                        .join(","),
                ]),
            })
            .collect(),
    }
}

/// One plain run of MES, voter by voter, straight from the definition. Returns the projects in
/// buying order and, for each purchase, what every voter paid.
fn naive_run(e: &Election, utility: Utility, share: &Q) -> (Vec<usize>, Vec<Vec<Q>>) {
    let n = e.ballots.len();
    let mut budget = vec![share.clone(); n];
    let approves = |v: usize, p: usize| e.ballots[v].projects.contains(&p);
    let util = |p: usize| match utility {
        Utility::Cost => e.projects[p].cost,
        Utility::Cardinality => 1,
    };
    let mut candidates: Vec<usize> = (0..e.projects.len())
        .filter(|&p| e.projects[p].cost > 0 && (0..n).any(|v| approves(v, p)))
        .collect();
    let mut bought = Vec::new();
    let mut payments = Vec::new();
    loop {
        // ρ for each candidate: the smallest ρ with Σ min(budget, ρ·u) = cost.
        let mut best: Option<(Q, usize)> = None;
        for &p in &candidates {
            let supporters: Vec<usize> = (0..n).filter(|&v| approves(v, p)).collect();
            let total = supporters.iter().fold(Q::ZERO, |a, &v| a.add(&budget[v]));
            let cost = Q::int(e.projects[p].cost);
            if total < cost {
                continue;
            }
            let mut sorted = supporters.clone();
            sorted.sort_by(|&a, &b| budget[a].cmp(&budget[b]));
            let mut paid = Q::ZERO;
            let mut rich = sorted.len() as i128;
            let mut rho = None;
            for &v in &sorted {
                let r = cost.sub(&paid).div_int(rich * util(p));
                if r.mul_int(util(p)) <= budget[v] {
                    rho = Some(r);
                    break;
                }
                paid = paid.add(&budget[v]);
                rich -= 1;
            }
            let rho = rho.expect("affordable");
            let better = match &best {
                None => true,
                Some((b, q)) => rho < *b || (rho == *b && e.projects[p].id < e.projects[*q].id),
            };
            if better {
                best = Some((rho, p));
            }
        }
        let Some((rho, p)) = best else {
            return (bought, payments);
        };
        let price = rho.mul_int(util(p));
        let mut paid = vec![Q::ZERO; n];
        for v in 0..n {
            if approves(v, p) {
                let pay = if budget[v] < price {
                    budget[v].clone()
                } else {
                    price.clone()
                };
                budget[v] = budget[v].sub(&pay);
                paid[v] = pay;
            }
        }
        bought.push(p);
        payments.push(paid);
        candidates.retain(|&q| q != p);
    }
}

fn spent(e: &Election, sel: &[usize]) -> i128 {
    sel.iter().map(|&p| e.projects[p].cost).sum()
}

fn naive_add1(e: &Election, utility: Utility) -> Vec<usize> {
    let n = e.ballots.len() as i128;
    let mut share = Q::ratio(e.budget, n);
    let mut previous = Vec::new();
    let supported: Vec<usize> = (0..e.projects.len())
        .filter(|&p| e.projects[p].cost > 0 && e.ballots.iter().any(|b| b.projects.contains(&p)))
        .collect();
    loop {
        let (sel, _) = naive_run(e, utility, &share);
        let cost = spent(e, &sel);
        if cost > e.budget {
            return previous;
        }
        if supported
            .iter()
            .all(|p| sel.contains(p) || cost + e.projects[*p].cost > e.budget)
        {
            return sel;
        }
        previous = sel;
        share = share.add(&Q::int(1));
    }
}

fn instance() -> impl Strategy<Value = (i128, Vec<i128>, Vec<Vec<usize>>)> {
    (1usize..7).prop_flat_map(|m| {
        (
            1i128..120,
            // Few distinct costs, so that ties between projects are common.
            prop::collection::vec(prop_oneof![Just(10i128), Just(20), Just(30), 1i128..60], m),
            prop::collection::vec(prop::collection::vec(0..m, 0..m + 1), 1..14),
        )
            .prop_map(|(budget, costs, ballots)| {
                let ballots = ballots
                    .into_iter()
                    .map(|mut b| {
                        b.sort_unstable();
                        b.dedup();
                        b
                    })
                    .collect();
                (budget, costs, ballots)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn outcomes_stay_within_the_budget_and_greedy_is_exhaustive((budget, costs, ballots) in instance()) {
        let e = election(budget, &costs, &ballots);
        for rule in [Greedy::Skip, Greedy::NoSkip, Greedy::Threshold(Q::int(2))] {
            let o = greedy(&e, &rule);
            prop_assert!(o.spent <= e.budget);
            prop_assert_eq!(o.spent, spent(&e, &o.selected));
        }
        let o = greedy(&e, &Greedy::Skip);
        for p in 0..costs.len() {
            let supported = e.ballots.iter().any(|b| b.projects.contains(&p));
            if supported && !o.selected.contains(&p) {
                prop_assert!(o.spent + costs[p] > e.budget, "greedy left out p{} that fits", p);
            }
        }
        for utility in [Utility::Cost, Utility::Cardinality] {
            for completion in [Completion::None, Completion::Add1] {
                for greedy_completion in [false, true] {
                    let o = equal_shares(&e, MesOptions { utility, completion, greedy_completion }).expect("approval");
                    prop_assert!(o.spent <= e.budget);
                }
            }
        }
    }

    #[test]
    fn equal_shares_follows_its_definition((budget, costs, ballots) in instance()) {
        let e = election(budget, &costs, &ballots);
        let n = e.ballots.len() as i128;
        for utility in [Utility::Cost, Utility::Cardinality] {
            let plain = equal_shares(&e, MesOptions { utility, completion: Completion::None, greedy_completion: false }).expect("approval");
            let share = Q::ratio(budget, n);
            let (naive, payments) = naive_run(&e, utility, &share);
            prop_assert_eq!(&plain.selected, &naive);
            // The definition's checks: every purchase is paid in full by its supporters, nobody
            // pays more than their share, and nobody pays for a project they did not approve.
            let mut total_paid = vec![Q::ZERO; ballots.len()];
            for (p, paid) in naive.iter().zip(&payments) {
                let sum = paid.iter().fold(Q::ZERO, |a, x| a.add(x));
                prop_assert_eq!(sum, Q::int(costs[*p]));
                for (v, x) in paid.iter().enumerate() {
                    prop_assert!(!x.is_negative());
                    if !x.is_zero() {
                        prop_assert!(ballots[v].contains(p));
                    }
                    total_paid[v] = total_paid[v].add(x);
                }
            }
            for t in &total_paid {
                prop_assert!(*t <= share);
            }
            let add1 = equal_shares(&e, MesOptions { utility, completion: Completion::Add1, greedy_completion: false }).expect("approval");
            prop_assert_eq!(add1.selected, naive_add1(&e, utility));
        }
    }
}
