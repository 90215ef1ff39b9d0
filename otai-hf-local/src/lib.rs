//! # otai-hf-local
//!
//! Open Ticket AI plugin `hf-local`: local HuggingFace text classification. Its registry keys
//! start with `hf-local:`.
//!
//! The classification service (`hf-local:HFClassificationService`, on candle + tokenizers)
//! arrives with its own issue; until then the plugin is registered and contributes no
//! injectables.

use otai::{InjectableDescriptor, Plugin};

/// The `hf-local` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct HfLocalPlugin;

impl Plugin for HfLocalPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}
