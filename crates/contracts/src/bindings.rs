//! `sol!` bindings generated from the committed artifacts.
//!
//! Each module (`PlasmaFramework`, `TestExitGame`, `MvpExitGame`, ...) holds the contract's call structs
//! (`PlasmaFramework::submitBlockCall`), events, errors and `BYTECODE`.

#![allow(missing_docs, clippy::too_many_arguments)]

alloy_sol_types::sol!(
    #[sol(all_derives)]
    PlasmaFramework,
    "../../contracts/artifacts/PlasmaFramework.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    TestExitGame,
    "../../contracts/artifacts/TestExitGame.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    MvpExitGame,
    "../../contracts/artifacts/MvpExitGame.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    MoreVpExitGame,
    "../../contracts/artifacts/MoreVpExitGame.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    CashExitGame,
    "../../contracts/artifacts/CashExitGame.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    DebitExitGame,
    "../../contracts/artifacts/DebitExitGame.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    XtExitGame,
    "../../contracts/artifacts/XtExitGame.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    LibHarness,
    "../../contracts/artifacts/LibHarness.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    RevertingRecipient,
    "../../contracts/artifacts/RevertingRecipient.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    ReentrantRecipient,
    "../../contracts/artifacts/ReentrantRecipient.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    GasBurner,
    "../../contracts/artifacts/GasBurner.json"
);

/// The Solidity function name behind a 4-byte selector, across every bound contract; used to
/// label recorded root-chain calls. `None` for an unknown selector.
pub fn function_name(selector: [u8; 4]) -> Option<&'static str> {
    PlasmaFramework::PlasmaFrameworkCalls::name_by_selector(selector)
        .or_else(|| TestExitGame::TestExitGameCalls::name_by_selector(selector))
        .or_else(|| MvpExitGame::MvpExitGameCalls::name_by_selector(selector))
        .or_else(|| CashExitGame::CashExitGameCalls::name_by_selector(selector))
        .or_else(|| DebitExitGame::DebitExitGameCalls::name_by_selector(selector))
        .or_else(|| XtExitGame::XtExitGameCalls::name_by_selector(selector))
        .or_else(|| MoreVpExitGame::MoreVpExitGameCalls::name_by_selector(selector))
        .or_else(|| LibHarness::LibHarnessCalls::name_by_selector(selector))
        .or_else(|| RevertingRecipient::RevertingRecipientCalls::name_by_selector(selector))
        .or_else(|| GasBurner::GasBurnerCalls::name_by_selector(selector))
        .or_else(|| ReentrantRecipient::ReentrantRecipientCalls::name_by_selector(selector))
}
