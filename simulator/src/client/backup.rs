//! A backup key as the user keeps it: the text, printed or saved at setup (D8).

use mailspec_model::ids::UserId;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::crypto::{BackupKey, CryptoError, DeviceKeys, DevicePublicKeys};
use crate::names;

/// The text of a user's latest backup key and the public keys of its virtual device.
pub struct BackupPaper {
    user: UserId,
    holder: String,
    text: Zeroizing<String>,
    public: DevicePublicKeys,
}

impl std::fmt::Debug for BackupPaper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupPaper").field("holder", &self.holder).field("text", &"***").finish()
    }
}

impl BackupPaper {
    /// Draws a new backup key and derives its virtual device (one Argon2id hash).
    pub fn generate(user: UserId, holder: &str, rng: &mut impl CryptoRngCore) -> Result<BackupPaper, CryptoError> {
        let key = BackupKey::generate(rng);
        let public = *key.derive_device_keys(&names::user(user))?.public_keys();
        Ok(BackupPaper { user, holder: holder.to_owned(), text: key.to_text(), public })
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn public_keys(&self) -> &DevicePublicKeys {
        &self.public
    }

    /// Parses the text as a user types it into a new device and derives the device keys.
    pub fn device_keys(&self) -> Result<DeviceKeys, CryptoError> {
        let key = BackupKey::parse(&self.text)?;
        key.derive_device_keys(&names::user(self.user))
    }
}
