//! Calendar rules: never E2EE, and delegation for scheduling on others' calendars (C).

use super::{ensure, Rules, Verdict};
use crate::ids::{EventId, UserId};
use crate::mutant::ModelMutant;
use crate::observation::{Outcome, Reason};
use crate::op::Recipient;
use crate::state::{Event, Protection, State};

impl Rules<'_> {
    pub(super) fn create_event(
        &self,
        state: &mut State,
        organizer: UserId,
        owner: UserId,
        attendee: Recipient,
        e2ee: bool,
    ) -> Verdict {
        // C2: the organizer schedules for itself or holds the owner's delegation.
        self.ensure_user_active(state, organizer)?;
        self.ensure_user_active(state, owner)?;
        let delegated = organizer == owner || self.world.delegated(organizer, owner);
        ensure(delegated || self.mutated(ModelMutant::NoDelegationCheck), Reason::NotDelegated)?;

        // C1: events travel over TLS and are stored under the service's key.
        let e2ee_ok = self.mutated(ModelMutant::E2eeCalendar);
        ensure(!e2ee || e2ee_ok, Reason::CalendarNotE2ee)?;
        let protection = if e2ee {
            Protection::Sealed { user: owner, epoch: state.user(owner).epoch }
        } else {
            Protection::Service
        };

        let event = EventId(state.events.len() as u8);
        state.events.push(Event { organizer, owner, attendee, protection });
        Ok(Outcome::EventCreated { event })
    }
}
