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
