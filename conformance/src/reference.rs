//! The reference implementation, driven in process.

use crate::implementation::{Capability, CryptoVerdict, Implementation, StoredObject, SutError};
use mailspec_model::{Observation, Operation, World};
use mailspec_sim::{Fault, Reference};
use std::collections::BTreeSet;

/// The seed of every in-process run, so a vector replays the same bytes each time.
pub const REFERENCE_SEED: u64 = 0x6d61_696c_7370_6563;

/// The reference implementation, or one of its faulty variants.
pub struct InProcess {
    fault: Option<Fault>,
    reference: Option<Reference>,
}

impl InProcess {
    pub fn new() -> InProcess {
        InProcess { fault: None, reference: None }
    }

    pub fn with_fault(fault: Fault) -> InProcess {
        InProcess { fault: Some(fault), reference: None }
    }

    fn running(&mut self) -> Result<&mut Reference, SutError> {
        self.reference.as_mut().ok_or_else(|| SutError::Protocol { detail: "no reset before the first step".into() })
    }
}

impl Default for InProcess {
    fn default() -> Self {
        InProcess::new()
    }
}

impl Implementation for InProcess {
    fn name(&self) -> String {
        match self.fault {
            None => "reference".into(),
            Some(fault) => format!("reference with fault {}", fault.name()),
        }
    }

    fn capabilities(&mut self) -> Result<BTreeSet<Capability>, SutError> {
        Ok(Capability::ALL.into_iter().collect())
    }

    fn reset(&mut self, world: &World) -> Result<(), SutError> {
        self.reference = Some(Reference::with_fault(world.clone(), REFERENCE_SEED, self.fault));
        Ok(())
    }

    fn apply(&mut self, op: &Operation) -> Result<Observation, SutError> {
        let reference = self.running()?;
        let observation = reference.apply(op);

        // An internal error comes back as an ordinary observation, so ask for it.
        let errors = reference.take_internal_errors();
        if !errors.is_empty() {
            return Err(SutError::Reported { code: "internal".into(), message: errors.join("; ") });
        }
        Ok(observation)
    }

    fn stored_objects(&mut self) -> Result<Vec<StoredObject>, SutError> {
        let objects = self.running()?.stored_objects();
        Ok(objects.into_iter().map(|o| StoredObject { id: o.id, kind: o.kind, bytes: o.bytes }).collect())
    }

    fn delivered_links(&mut self) -> Result<Vec<String>, SutError> {
        Ok(self.running()?.delivered_links())
    }

    fn crypto_case(&mut self, construction: &str, case: &serde_json::Value) -> Result<CryptoVerdict, SutError> {
        Ok(crate::crypto_cases::check_crypto_case(construction, case))
    }
}
