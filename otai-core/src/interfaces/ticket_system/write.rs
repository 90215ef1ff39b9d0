//! Writes as values: what one request to a ticket system changes, what it answered, and how
//! to tell afterwards whether a write whose answer got lost took effect.

use serde::{Deserialize, Serialize};

use super::model::{TicketId, UnifiedEntity, UnifiedNote, UnifiedTicket};
use crate::value::{Map, Value};

/// One change to a ticket system: what one request to the backend does.
///
/// Every write a pipe makes reaches the backend as a `TicketWrite` through
/// [`TicketSystem::apply`](super::TicketSystem::apply), and the engine wraps every ticket
/// system so that this one method is where a dry run holds writes back, where the writes
/// are recorded as decisions, and where a write whose outcome is unknown is resolved by
/// reading the ticket back. The conveniences pipes call (`update_ticket`, `add_note`,
/// `create_ticket` of [`TicketSystemExt`](super::TicketSystemExt)) split their work into
/// such writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TicketWrite {
    /// Changes fields of an existing ticket and/or adds one note to it.
    Update(TicketUpdate),
    /// Creates a ticket; its subject and body become its first article. Its `notes` are not
    /// part of this write (they follow as updates once the ticket has an id).
    Create(UnifiedTicket),
}

impl TicketWrite {
    /// The ticket an update changes; `None` for a create.
    pub fn ticket_id(&self) -> Option<&TicketId> {
        match self {
            TicketWrite::Update(update) => Some(&update.ticket_id),
            TicketWrite::Create(_) => None,
        }
    }

    /// The operation's name for logs and errors (`update_ticket`, `add_note`,
    /// `create_ticket`).
    pub fn operation(&self) -> &'static str {
        match self {
            TicketWrite::Update(update) if update.changes.is_empty() => "add_note",
            TicketWrite::Update(_) => "update_ticket",
            TicketWrite::Create(_) => "create_ticket",
        }
    }
}

/// Changes to one existing ticket made by one request: fields to set and at most one note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketUpdate {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The fields to set; unset ones stay as they are.
    #[serde(default, skip_serializing_if = "TicketChanges::is_empty")]
    pub changes: TicketChanges,
    /// A note to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<UnifiedNote>,
}

impl TicketUpdate {
    /// An update of `ticket_id` that changes nothing yet.
    pub fn new(ticket_id: impl Into<TicketId>) -> Self {
        Self {
            ticket_id: ticket_id.into(),
            changes: TicketChanges::default(),
            note: None,
        }
    }

    /// This update with `changes`.
    pub fn with_changes(mut self, changes: TicketChanges) -> Self {
        self.changes = changes;
        self
    }

    /// This update adding `note`.
    pub fn with_note(mut self, note: UnifiedNote) -> Self {
        self.note = Some(note);
        self
    }

    /// Whether the update would change nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.note.is_none()
    }
}

/// The fields of a ticket an update sets. `None` (and an empty `extra`) leave a field as it
/// is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketChanges {
    /// Subject / title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<UnifiedEntity>,
    /// Priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<UnifiedEntity>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UnifiedEntity>,
    /// Customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<UnifiedEntity>,
    /// Owner (agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UnifiedEntity>,
    /// Backend-specific fields (dynamic fields…).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl TicketChanges {
    /// The fields `updates` sets (its id, body and notes are not fields an update sets).
    pub fn from_ticket(updates: &UnifiedTicket) -> Self {
        Self {
            subject: updates.subject.clone(),
            queue: updates.queue.clone(),
            priority: updates.priority.clone(),
            state: updates.state.clone(),
            customer: updates.customer.clone(),
            owner: updates.owner.clone(),
            extra: updates.extra.clone(),
        }
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.queue.is_none()
            && self.priority.is_none()
            && self.state.is_none()
            && self.customer.is_none()
            && self.owner.is_none()
            && self.extra.is_empty()
    }

    /// Each entity field that is set, by name (`queue`, `priority`, `state`, `customer`,
    /// `owner`).
    pub fn entities(&self) -> impl Iterator<Item = (&'static str, &UnifiedEntity)> {
        [
            ("queue", &self.queue),
            ("priority", &self.priority),
            ("state", &self.state),
            ("customer", &self.customer),
            ("owner", &self.owner),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|entity| (name, entity)))
    }

    /// Whether `ticket` shows every set field (entities by id or name, the subject, each
    /// `extra` key).
    pub fn visible_in(&self, ticket: &UnifiedTicket) -> bool {
        let entity_of = |name: &str| match name {
            "queue" => ticket.queue.as_ref(),
            "priority" => ticket.priority.as_ref(),
            "state" => ticket.state.as_ref(),
            "customer" => ticket.customer.as_ref(),
            _ => ticket.owner.as_ref(),
        };
        self.entities()
            .all(|(name, wanted)| entity_of(name).is_some_and(|have| wanted.matches(have)))
            && self
                .subject
                .as_ref()
                .is_none_or(|subject| ticket.subject.as_ref() == Some(subject))
            && self
                .extra
                .iter()
                .all(|(key, value)| ticket.extra.get(key) == Some(value))
    }
}

/// What a ticket system answered to a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WriteReceipt {
    /// The ticket written to (for a create: the new ticket's id).
    pub ticket_id: TicketId,
    /// The id of the note the write added, when the system says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<TicketId>,
}

impl WriteReceipt {
    /// A receipt for a write to `ticket_id`.
    pub fn new(ticket_id: impl Into<TicketId>) -> Self {
        Self {
            ticket_id: ticket_id.into(),
            note_id: None,
        }
    }

    /// This receipt naming the note the write added.
    pub fn with_note_id(mut self, note_id: Option<TicketId>) -> Self {
        self.note_id = note_id;
        self
    }
}

/// What the engine knew when it sent a write whose outcome is now unknown; handed to
/// [`TicketSystem::check_applied`](super::TicketSystem::check_applied).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct WriteCheck<'a> {
    /// The write.
    pub write: &'a TicketWrite,
    /// The ticket as last read before the write, when known: a note equal to the one
    /// written that was there already does not count as the write's.
    pub before: Option<&'a UnifiedTicket>,
    /// The highest note id the engine had seen anywhere in this ticket system before
    /// sending: where note ids grow (OTOBO's article ids do), a matching note above it is
    /// the write's.
    pub note_id_floor: Option<&'a TicketId>,
}

impl<'a> WriteCheck<'a> {
    /// A check of `write` with nothing known from before.
    pub fn new(write: &'a TicketWrite) -> Self {
        Self {
            write,
            before: None,
            note_id_floor: None,
        }
    }

    /// This check knowing the ticket as it was before the write.
    pub fn with_before(mut self, before: Option<&'a UnifiedTicket>) -> Self {
        self.before = before;
        self
    }

    /// This check knowing the highest note id seen before the write.
    pub fn with_note_id_floor(mut self, floor: Option<&'a TicketId>) -> Self {
        self.note_id_floor = floor;
        self
    }

    /// Judges an update against the ticket as read now.
    ///
    /// A note is the non-repeatable part of a write, so it decides: the write took effect
    /// when the ticket holds a note equal to the written one (subject and body) that is new
    /// — above [`note_id_floor`](Self::note_id_floor) where ids are numbers, else more such
    /// notes than [`before`](Self::before) had, else any. Without a note the write took
    /// effect when every field it sets shows; sending such a write again is harmless.
    pub fn judge(&self, now: &UnifiedTicket) -> WriteStatus {
        let TicketWrite::Update(update) = self.write else {
            return WriteStatus::Unknowable;
        };
        let Some(note) = &update.note else {
            return if update.changes.visible_in(now) {
                WriteStatus::Applied { note_id: None }
            } else {
                WriteStatus::NotApplied
            };
        };
        let same = |candidate: &&UnifiedNote| {
            candidate.subject == note.subject && candidate.body.trim() == note.body.trim()
        };
        let floor = self.note_id_floor.and_then(|id| id.as_str().parse::<u64>().ok());
        let matching: Vec<&UnifiedNote> = now.notes.iter().filter(same).collect();
        if let Some(floor) = floor {
            let numbered = |n: &&&UnifiedNote| {
                n.id.as_ref()
                    .and_then(|id| id.as_str().parse::<u64>().ok())
                    .is_some_and(|id| id > floor)
            };
            return match matching.iter().find(numbered) {
                Some(found) => WriteStatus::Applied {
                    note_id: found.id.clone(),
                },
                None => WriteStatus::NotApplied,
            };
        }
        let before = self
            .before
            .map_or(0, |ticket| ticket.notes.iter().filter(same).count());
        if matching.len() > before {
            WriteStatus::Applied {
                note_id: matching.last().and_then(|n| n.id.clone()),
            }
        } else {
            WriteStatus::NotApplied
        }
    }
}

/// Whether a write whose answer got lost took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteStatus {
    /// It did (with the note it added, when known): it must not be sent again.
    Applied {
        /// The note's id.
        note_id: Option<TicketId>,
    },
    /// It did not: it may be sent again.
    NotApplied,
    /// The system cannot tell (a create whose new ticket cannot be found): the write is
    /// neither repeated nor assumed done, and its failure is reported.
    Unknowable,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str, subject: &str, body: &str) -> UnifiedNote {
        UnifiedNote {
            id: Some(id.into()),
            subject: subject.into(),
            body: body.into(),
            content_type: None,
        }
    }

    fn ticket(queue: &str, notes: Vec<UnifiedNote>) -> UnifiedTicket {
        UnifiedTicket {
            id: Some("7".into()),
            queue: Some(UnifiedEntity::named(queue)),
            notes,
            ..UnifiedTicket::default()
        }
    }

    fn note_write(subject: &str, body: &str) -> TicketWrite {
        TicketWrite::Update(TicketUpdate::new("7").with_note(UnifiedNote {
            subject: subject.into(),
            body: body.into(),
            ..UnifiedNote::default()
        }))
    }

    #[test]
    fn a_field_write_took_effect_when_its_fields_show() {
        let write = TicketWrite::Update(TicketUpdate::new("7").with_changes(TicketChanges {
            queue: Some(UnifiedEntity::named("Billing")),
            ..TicketChanges::default()
        }));
        let check = WriteCheck::new(&write);
        assert_eq!(
            check.judge(&ticket("Billing", vec![])),
            WriteStatus::Applied { note_id: None }
        );
        assert_eq!(check.judge(&ticket("Raw", vec![])), WriteStatus::NotApplied);
    }

    #[test]
    fn a_note_counts_only_when_it_is_new() {
        let write = note_write("Queue", "Moved to Billing.");
        let old = note("10", "Queue", "Moved to Billing.");
        let new = note("42", "Queue", "Moved to Billing.\n");
        let before = ticket("Raw", vec![old.clone()]);
        // By id: only a matching note above the floor is the write's.
        let floor = TicketId::from("20");
        let by_id = WriteCheck::new(&write).with_note_id_floor(Some(&floor));
        assert_eq!(
            by_id.judge(&ticket("Raw", vec![old.clone()])),
            WriteStatus::NotApplied
        );
        assert_eq!(
            by_id.judge(&ticket("Raw", vec![old.clone(), new.clone()])),
            WriteStatus::Applied {
                note_id: Some("42".into())
            }
        );
        // By count against the ticket as it was.
        let by_count = WriteCheck::new(&write).with_before(Some(&before));
        assert_eq!(by_count.judge(&before), WriteStatus::NotApplied);
        assert!(matches!(
            by_count.judge(&ticket("Raw", vec![old, new])),
            WriteStatus::Applied { .. }
        ));
        // Knowing nothing, any equal note counts.
        assert!(matches!(
            WriteCheck::new(&write).judge(&before),
            WriteStatus::Applied { .. }
        ));
    }

    #[test]
    fn a_different_note_is_not_the_write() {
        let write = note_write("Queue", "Moved to Billing.");
        let other = ticket("Raw", vec![note("50", "Queue", "Moved to Sales.")]);
        assert_eq!(WriteCheck::new(&write).judge(&other), WriteStatus::NotApplied);
    }

    #[test]
    fn a_create_cannot_be_judged_from_a_ticket() {
        let write = TicketWrite::Create(UnifiedTicket::default());
        assert_eq!(
            WriteCheck::new(&write).judge(&ticket("Raw", vec![])),
            WriteStatus::Unknowable
        );
        assert_eq!(write.operation(), "create_ticket");
        assert_eq!(note_write("a", "b").operation(), "add_note");
    }
}
