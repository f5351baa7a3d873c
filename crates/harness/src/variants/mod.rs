//! The built-in variants, adapted to [`crate::Variant`].

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
