//! The service's key service: region root keys, the service box key and the key that signs
//! service-made sigchain links. None of these is ever written to the object store.

use mailspec_model::world::Region;
use rand_core::CryptoRngCore;

use crate::crypto::{DeviceKeys, Generation, Puk, Region as KeyRegion, RegionRootKey};

pub(super) struct KeyService {
    us_root: RegionRootKey,
    eu_root: RegionRootKey,
    /// The service's own per-user-style key, to which clients seal mail for users without keys.
    pub service_box: Puk,
    /// Signs the sigchain links the service makes (revocations without a device).
    pub signing: DeviceKeys,
}

impl KeyService {
    pub fn generate(rng: &mut impl CryptoRngCore) -> KeyService {
        KeyService {
            us_root: RegionRootKey::generate(KeyRegion::Us, rng),
            eu_root: RegionRootKey::generate(KeyRegion::Eu, rng),
            service_box: Puk::generate(Generation::FIRST, rng),
            signing: DeviceKeys::generate(rng),
        }
    }

    /// Returns the root key of a region.
    // NOTE: only the `any_region` fault lets an account outside the US and the EU store
    // anything. Its data then falls back to the US root key, which breaks data residency.
    pub fn root(&self, region: Region) -> &RegionRootKey {
        match region {
            Region::Eu => &self.eu_root,
            Region::Us | Region::Other => &self.us_root,
        }
    }
}
