//! Cross-check with the compiled `MoreVpExitGame` artifact (`contracts/artifacts/MoreVpExitGame.json`,
//! written by `contracts/compile.js`): every function selector and event signature of the local
//! `IMoreVpExitGame` interface is in the artifact's ABI, and the other way round, and the views
//! return what the interface decodes.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;

use alloy_sol_types::{SolCall, SolType};
use plasma_core::alloy_primitives::keccak256;
use plasma_morevp::game::IMoreVpExitGame::{self as G, IMoreVpExitGameCalls, IMoreVpExitGameEvents};
use serde_json::Value;

/// The artifact's ABI entries of `kind` (`"function"` or `"event"`): canonical signature → output
/// types (functions) or indexed flags (events), as one string.
fn artifact(kind: &str) -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/artifacts/MoreVpExitGame.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("artifact present")).unwrap();
    let abi = json.get("abi").unwrap_or(&json).as_array().expect("an ABI array");
    abi.iter()
        .filter(|entry| entry["type"] == kind)
        .map(|entry| {
            let inputs: Vec<String> = entry["inputs"].as_array().unwrap().iter().map(canonical).collect();
            let signature = format!("{}({})", entry["name"].as_str().unwrap(), inputs.join(","));
            let extra = match kind {
                "function" => {
                    let outputs: Vec<String> = entry["outputs"].as_array().unwrap().iter().map(canonical).collect();
                    format!("({})", outputs.join(","))
                }
                _ => format!(
                    "{:?}",
                    entry["inputs"].as_array().unwrap().iter().map(|i| i["indexed"].as_bool()).collect::<Vec<_>>()
                ),
            };
            (signature, extra)
        })
        .collect()
}

/// The canonical ABI type of a parameter (tuples expanded).
fn canonical(param: &Value) -> String {
    let ty = param["type"].as_str().unwrap();
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let parts: Vec<String> = param["components"].as_array().unwrap().iter().map(canonical).collect();
            format!("({}){suffix}", parts.join(","))
        }
        None => ty.to_owned(),
    }
}

#[test]
fn every_function_of_the_interface_is_in_the_artifact_and_back() {
    let functions = artifact("function");
    for signature in IMoreVpExitGameCalls::SIGNATURES {
        assert!(functions.contains_key(*signature), "{signature} is not in the artifact");
        let selector = &keccak256(signature.as_bytes())[..4];
        assert!(IMoreVpExitGameCalls::SELECTORS.iter().any(|s| s == selector));
    }
    for signature in functions.keys() {
        assert!(IMoreVpExitGameCalls::SIGNATURES.contains(&signature.as_str()), "{signature} is not in the interface");
    }
    assert_eq!(functions.len(), IMoreVpExitGameCalls::SIGNATURES.len());
}

#[test]
fn every_event_of_the_interface_is_in_the_artifact_and_back() {
    let events = artifact("event");
    for signature in IMoreVpExitGameEvents::SIGNATURES {
        assert!(events.contains_key(*signature), "{signature} is not in the artifact");
    }
    assert_eq!(events.len(), IMoreVpExitGameEvents::SIGNATURES.len());
    // The watcher reads the indexed fields from topics: the same ones must be indexed.
    assert_eq!(
        events["InFlightExitPiggybacked(bytes32,address,bool,uint8)"],
        "[Some(true), Some(true), Some(false), Some(false)]"
    );
    assert_eq!(
        events["StandardExitStarted(uint256,address,uint256,bytes32,uint64)"],
        "[Some(true), Some(true), Some(false), Some(false), Some(false)]"
    );
}

#[test]
fn views_return_what_the_interface_decodes() {
    let functions = artifact("function");
    let returns = |signature: &str| functions.get(signature).cloned().unwrap_or_default();
    // `StoredInFlightExit` of `abi.rs`, expanded (its `SOL_NAME` is the struct's name).
    let stored = "(address,uint64,bool,uint8,uint8,uint96,uint64,uint64,uint96,bytes32[4],(address,uint96)[4],(address,uint96)[4])";
    assert_eq!(returns("inFlightExit(bytes32)"), format!("({stored})"));
    let sample = plasma_morevp::abi::StoredInFlightExit { canonical: true, ..Default::default() };
    assert_eq!(G::inFlightExitCall::abi_encode_returns(&sample).len(), 9 * 32 + 4 * 32 + 2 * 4 * 2 * 32);
    assert_eq!(
        returns("standardExits(uint256)"),
        <<G::standardExitsCall as SolCall>::ReturnTuple<'_> as SolType>::SOL_NAME
    );
    assert_eq!(
        returns(
            "txHash((uint256,uint256,uint256,uint256,address,uint256,address,uint256,address,uint256,address,uint256))"
        ),
        "(bytes32)"
    );
}
