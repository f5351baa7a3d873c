//! `plasma bench` produces a complete, consistent report (figures are the bench's business, not a
//! test's: nothing here asserts a speed).

use plasma_harness::bench::{bench, bench_variant_names};
use plasma_integration_tests::TestResult;

#[test]
fn a_small_bench_reports_every_figure() -> TestResult {
    let names: Vec<String> = bench_variant_names().into_iter().map(str::to_owned).collect();
    let report = bench(&names, 300, 20_000)?;
    assert!(report.limit.recover_per_s > 0.0 && report.limit.recover_per_s_one_core > 0.0);
    assert!(report.limit.threads >= 1);
    assert_eq!(report.variants.len(), names.len());
    for variant in &report.variants {
        assert_eq!(variant.txs, 300, "{}", variant.name);
        assert!(variant.tx_per_s > 0.0 && variant.ratio_to_limit > 0.0);
        assert!(variant.block_build_ms >= 0.0 && variant.proofs_ms >= 0.0);
        assert_eq!(variant.utxos_measured, 20_000);
        // Only the design with checkpoints reports one, over the coins of its zone.
        match &variant.checkpoint {
            Some(checkpoint) => {
                assert_eq!(variant.name, "xt");
                assert!(checkpoint.zone_coins > 0 && checkpoint.state_tree_ms >= 0.0 && checkpoint.sign_offs_ms >= 0.0);
            }
            None => assert_ne!(variant.name, "xt"),
        }
    }
    let json: serde_json::Value = serde_json::from_str(&report.to_json())?;
    assert!(json["limit"]["recover_per_s"].is_number());
    for key in ["name", "tx_per_s", "block_build_ms", "ratio_to_limit"] {
        assert!(!json["variants"][0][key].is_null(), "{key}");
    }
    Ok(())
}

#[test]
fn an_unknown_variant_is_an_error() {
    assert!(bench(&["nope".to_owned()], 10, 10).is_err());
}
