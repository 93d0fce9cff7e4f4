//! Watches: the current objects (or the changes after a version) as events, then
//! every live change, without a gap or a double between the two.

use super::*;

impl Store {
    /// Subscribes under the lock, so nothing between the replay and the live changes
    /// is lost or doubled.
    pub fn watch(&self, kind: usize, from: WatchFrom) -> Result<WatchStart, ApiError> {
        let state = self.lock();
        let receiver = self.changes.subscribe();
        let (initial, replay) = match from {
            WatchFrom::Current => (state.objects[kind].values().cloned().collect(), Vec::new()),
            WatchFrom::After(rv) if rv < state.resumable_from || rv > state.resource_version => {
                return Err(ApiError::gone(format!(
                    "too old resource version: {rv} ({})",
                    state.resumable_from
                )));
            }
            WatchFrom::After(rv) => (
                Vec::new(),
                state
                    .history
                    .iter()
                    .filter(|c| c.resource_version > rv && c.kind == kind)
                    .cloned()
                    .collect(),
            ),
        };
        Ok(WatchStart {
            initial,
            replay,
            receiver,
            resource_version: state.resource_version,
        })
    }
}
