//! Without feature `journal-file` there is no journal file: [`JournalFile`] has no value, and
//! opening one says which feature keeps the journal on disk.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{JournalError, TicketRecord};

/// A journal file: none in this build.
pub(super) enum JournalFile {}

impl JournalFile {
    pub(super) fn open(path: &Path) -> Result<Self, JournalError> {
        Err(JournalError::Storage {
            path: path.to_owned(),
            source: "this build keeps the journal in memory only (otai-core without feature \
                     `journal-file`)"
                .into(),
        })
    }

    pub(super) fn path(&self) -> &Path {
        match *self {}
    }

    pub(super) fn load(
        &self,
    ) -> Result<(Vec<TicketRecord>, BTreeMap<String, String>), JournalError> {
        match *self {}
    }

    pub(super) async fn put(
        self: &Arc<Self>,
        _key: String,
        _value: Vec<u8>,
        _durable: bool,
    ) -> Result<(), JournalError> {
        match **self {}
    }

    pub(super) async fn remove(self: &Arc<Self>, _key: String) -> Result<(), JournalError> {
        match **self {}
    }

    pub(super) async fn put_meta(
        self: &Arc<Self>,
        _key: String,
        _value: String,
    ) -> Result<(), JournalError> {
        match **self {}
    }
}
