//! `jiugai serve --demo`: Ruicheng's 30 estates of seed 001 attachment 3 under 芮城县, so that a newcomer
//! sees a real county at once. The other four seed jurisdictions are regions of the division tree with
//! built-in profiles and show on the dashboard without estates. Loading twice changes nothing.

use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::regions::Regions;
use jiugai_store::{Db, StoreError};

/// The ledger of seed 001, attachment 3 (the spreadsheet the CLI tests import).
pub const RUICHENG_XLSX: &[u8] = include_bytes!("../../sheet/tests/fixtures/ruicheng.xlsx");

/// Imports the demo ledger. Returns how many estates were added.
pub async fn load(db: &Db, regions: &Regions) -> Result<u64, StoreError> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::Other(e.to_string()))?;
    let path = dir.path().join("芮城县老旧小区摸底台账（演示）.xlsx");
    std::fs::write(&path, RUICHENG_XLSX).map_err(|e| StoreError::Other(e.to_string()))?;
    let opts = ImportOptions { region: Some("140830".into()), actor: "system".into(), origin: "demo".into(), ..Default::default() };
    let r = import_estates(db, regions, &path, &opts, &|_| {}).await?;
    Ok(r.imported)
}
