//! Calendar requests: never E2EE, and delegation for others' calendars (C).

use mailspec_model::ids::EventId;
use mailspec_model::op::Recipient;
use mailspec_model::Reason;

use super::api::{ApiError, EventRequest, Outbound};
use super::{ensure, EventRow, MailService};
use crate::canary::event_canary;
use crate::fault::Fault;
use crate::names;

impl MailService {
    /// C1, C2: stores an event under the owner account's at-rest key. An invitation to an
    /// address outside the service leaves through the mail transport over TLS.
    pub fn create_event(&mut self, request: EventRequest) -> Result<(EventId, Vec<Outbound>), ApiError> {
        self.ensure_user_active(request.organizer)?;
        self.ensure_user_active(request.owner)?;
        let delegated = request.organizer == request.owner || self.world.delegated(request.organizer, request.owner);
        ensure(delegated || self.faulty(Fault::NoDelegationCheck), Reason::NotDelegated)?;
        ensure(!request.e2ee || self.faulty(Fault::E2eeCalendar), Reason::CalendarNotE2ee)?;

        let event = EventId(self.events.len() as u8);
        let account = self.world.user(request.owner).account;
        let region = names::region(self.user_region(request.owner));
        let object = format!("{region}/events/e{:03}", event.0);
        let mut plaintext = event_canary(event);
        plaintext.extend_from_slice(format!(" organizer={} owner={}", request.organizer, request.owner).as_bytes());
        self.put_at_rest(account, &object, "event_at_rest", &plaintext)?;
        self.events.push(EventRow { object, organizer: request.organizer, owner: request.owner, attendee: request.attendee });

        let mut outbound = Vec::new();
        if let Recipient::External(_) = request.attendee {
            outbound.push(Outbound::Invitation { event, to: request.attendee });
        }
        Ok((event, outbound))
    }
}
