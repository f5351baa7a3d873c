//! The five built-in designs as scenario variants (feature `builtin`): each module implements
//! [`crate::lab::Scripted`] for its design (constructors, scenario vocabulary, cheaters), and the
//! variant is [`crate::lab::Lab`] of it.

mod cash;
mod debit;
mod morevp;
mod mvp;
mod xt;

pub use cash::CashVariant;
pub use debit::DebitVariant;
pub use morevp::MoreVpVariant;
pub use mvp::MvpVariant;
pub use xt::XtVariant;

/// Watchers run at least this often; a cheating operator answers a challenge at the last round
/// before its deadline (Cash and Debit: a payment hidden in a withheld block is revealed as late as
/// the game allows).
const WATCH_ROUND: u64 = 24 * 3600;

/// Whether a cheating operator answers, at `now`, a challenge accepting answers strictly before
/// `deadline`: the next watcher round would be too late, and this one is not.
const fn answer_is_due(now: u64, deadline: u64) -> bool {
    now + WATCH_ROUND >= deadline && now < deadline
}

/// The newest exit `owner` started, from a record by owner (what the `spend-exited` fault spends).
fn newest_exited<T: Copy>(
    exited: &std::collections::BTreeMap<alloy_primitives::Address, Vec<T>>,
    world: &crate::World,
    owner: &str,
) -> Result<T, crate::Error> {
    let address = world.actor(owner)?.address;
    exited
        .get(&address)
        .and_then(|exits| exits.last())
        .copied()
        .ok_or_else(|| crate::Error::Scenario(format!("{owner} exited nothing")))
}

/// What `payee`'s wallet said when `owner` announced a transfer of `coin`, whose exit was paid:
/// a refusal for that reason is logged; anything else fails the step (`paid_out` tells the
/// design's refusal apart).
fn refused_paid_out<E: std::fmt::Display>(
    world: &mut crate::World,
    (owner, payee, coin): (&str, &str, u64),
    outcome: Result<(), E>,
    paid_out: impl Fn(&E) -> bool,
) -> Result<(), crate::Error> {
    match outcome {
        Err(why) if paid_out(&why) => {
            world.log.push(format!("{payee}'s wallet refuses coin {coin} from {owner}: its exit was paid"));
            Ok(())
        }
        Err(other) => Err(crate::Error::Scenario(format!("{payee}'s wallet: {other}"))),
        Ok(()) => Err(crate::Error::Scenario(format!("{payee}'s wallet accepted coin {coin}, already paid out"))),
    }
}

pub(crate) use crate::lab::game_events;
