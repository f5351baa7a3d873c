//! The designs that ship with plasma-lab, as the harness knows them (feature `builtin`, on by
//! default): one entry a design, with its scenario variant, its `plasma bench` measurement and its
//! footprint. Everything else in the harness is generic over [`Variant`] and the core traits, so a
//! build without this feature links none of the five design crates (the way to run the suite on a
//! design of one's own: `examples/own_variant.rs`).

use crate::{
    Error, Variant,
    bench::{Limit, VariantBench},
    footprint::Footprint,
};
#[cfg(feature = "builtin")]
use crate::{
    bench::measure,
    footprint::footprint_of,
    variants::{CashVariant, DebitVariant, MoreVpVariant, MvpVariant, XtVariant},
};

/// The designs built into this harness, in report order: the five of plasma-lab with the feature
/// `builtin` (on by default), none without it.
pub fn builtin() -> &'static [Builtin] {
    #[cfg(feature = "builtin")]
    return BUILTIN;
    #[cfg(not(feature = "builtin"))]
    return &[];
}

/// One built-in design.
#[derive(Clone, Copy)]
pub struct Builtin {
    /// Its name on the command line and in reports.
    pub name: &'static str,
    /// A fresh scenario variant.
    pub variant: fn() -> Box<dyn Variant>,
    /// `plasma bench` of it: `(txs, utxos, limit)`.
    pub bench: fn(usize, usize, &Limit) -> Result<VariantBench, Error>,
    /// Its footprint on the reference workload.
    pub footprint: fn() -> Result<Footprint, Error>,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builtin").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The built-in designs, in report order.
#[cfg(feature = "builtin")]
const BUILTIN: &[Builtin] = &[
    Builtin {
        name: "mvp",
        variant: || Box::new(MvpVariant::new()),
        bench: |txs, utxos, limit| measure::<plasma_mvp::Operator>("mvp", txs, utxos, limit),
        footprint: || footprint_of::<plasma_mvp::Mvp>("mvp"),
    },
    Builtin {
        name: "morevp",
        variant: || Box::new(MoreVpVariant::new()),
        bench: |txs, utxos, limit| measure::<plasma_morevp::Operator>("morevp", txs, utxos, limit),
        footprint: || footprint_of::<plasma_morevp::MoreVp>("morevp"),
    },
    Builtin {
        name: "cash",
        variant: || Box::new(CashVariant::new()),
        bench: |txs, utxos, limit| measure::<plasma_cash::Operator>("cash", txs, utxos, limit),
        footprint: || footprint_of::<plasma_cash::Cash>("cash"),
    },
    Builtin {
        name: "xt",
        variant: || Box::new(XtVariant::new()),
        bench: bench_xt,
        footprint: || footprint_of::<plasma_xt::Xt>("xt"),
    },
    Builtin {
        name: "debit",
        variant: || Box::new(DebitVariant::new()),
        bench: |txs, utxos, limit| measure::<plasma_debit::DebitOperator>("debit", txs, utxos, limit),
        footprint: || footprint_of::<plasma_debit::Debit>("debit"),
    },
];

/// `plasma bench` of Plasma XT. Its operator accepts and seals transactions exactly as Plasma
/// Cash's does; what it adds is the checkpoint, measured on a zone of 8,192 coin ids (fewer for a
/// short run).
#[cfg(feature = "builtin")]
fn bench_xt(txs: usize, utxos: usize, limit: &Limit) -> Result<VariantBench, Error> {
    let mut bench = measure::<plasma_cash::Operator>("xt", txs, utxos, limit)?;
    let zone = txs.clamp(1, 8192) as u64;
    let times = plasma_xt::bench::checkpoint_times(zone, crate::bench::bench_domain())
        .map_err(|e| Error::Variant { variant: "xt", message: e.to_string() })?;
    bench.checkpoint = Some(crate::bench::checkpoint_bench(times.zone_coins, times.state_tree, times.sign_offs));
    Ok(bench)
}
