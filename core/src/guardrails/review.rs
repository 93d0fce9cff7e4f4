//! The review's rules, free of I/O: which step a guardrail's newest version allows,
//! and who may take it. Drafts are submitted with a change note; a version is approved
//! by someone other than its author; only an approved version is published; retiring a
//! published guardrail is asked for, approved by a second person, then done.

use parkway_types::guardrails::{Intent, ReviewStep, VersionState};
use uuid::Uuid;

use super::error::{Error, Result};

/// Who wrote a version or is acting on it. People are compared by user id; the CLI
/// (no user) by its actor name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Option<Uuid>,
    pub actor: String,
}

impl Person {
    fn same_as(&self, other: &Person) -> bool {
        match (self.id, other.id) {
            (Some(a), Some(b)) => a == b,
            _ => self.actor == other.actor,
        }
    }
}

/// The newest version of a guardrail, as far as its review goes.
#[derive(Debug, Clone)]
pub struct Newest {
    pub version: u32,
    pub state: VersionState,
    pub intent: Intent,
    pub approved: bool,
    pub author: Person,
}

/// What a step does to the newest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// draft → in review (publish).
    Submit,
    /// in review: record the approval.
    Approve,
    /// in review → draft, with the reviewer's comment.
    Reject,
    /// approved, in review (publish) → published.
    Publish,
    /// published → a new version in review asking to retire.
    AskToRetire,
    /// approved, in review (retire) → retired.
    Retire,
}

impl Transition {
    /// The audit action of the step.
    pub const fn audit_action(self) -> &'static str {
        match self {
            Transition::Submit => "guardrail.submit",
            Transition::Approve => "guardrail.approve",
            Transition::Reject => "guardrail.reject",
            Transition::Publish => "guardrail.publish",
            Transition::AskToRetire => "guardrail.retire-request",
            Transition::Retire => "guardrail.retire",
        }
    }
}

fn blank(note: Option<&str>) -> bool {
    note.is_none_or(|n| n.trim().is_empty())
}

/// Decides a step on the newest version; the caller's role was checked before.
pub fn plan(step: ReviewStep, newest: &Newest, actor: &Person, note: Option<&str>) -> Result<Transition> {
    use Intent as I;
    use VersionState as S;
    let v = newest.version;
    let state = newest.state.label().to_lowercase();
    let conflict = |why: String| Err(Error::Conflict(why));
    match step {
        ReviewStep::Submit => {
            if blank(note) {
                return Err(Error::Field {
                    field: "note",
                    reason: "required: say what changed and why".into(),
                });
            }
            match newest.state {
                S::Draft => Ok(Transition::Submit),
                _ => conflict(format!(
                    "version {v} is {state}: only a draft can be submitted; edit the guardrail to start a new draft"
                )),
            }
        }
        ReviewStep::Approve => match (newest.state, newest.approved) {
            (S::InReview, false) => {
                if newest.author.same_as(actor) {
                    Err(Error::Refused(format!(
                        "you wrote version {v}: a second person (a coe-editor or security-approver who is not its author) must approve it"
                    )))
                } else {
                    Ok(Transition::Approve)
                }
            }
            (S::InReview, true) => conflict(format!("version {v} is already approved")),
            _ => conflict(format!(
                "version {v} is {state}: only a version in review can be approved"
            )),
        },
        ReviewStep::Reject => {
            if blank(note) {
                return Err(Error::Field {
                    field: "note",
                    reason: "required: tell the author what to change".into(),
                });
            }
            match newest.state {
                S::InReview => Ok(Transition::Reject),
                _ => conflict(format!(
                    "version {v} is {state}: only a version in review can be rejected"
                )),
            }
        }
        ReviewStep::Publish => match (newest.state, newest.intent, newest.approved) {
            (S::InReview, I::Publish, true) => Ok(Transition::Publish),
            (S::InReview, I::Publish, false) => conflict(format!(
                "version {v} is not approved yet: a second person must approve it before it is published"
            )),
            (S::InReview, I::Retire, _) => {
                conflict(format!("version {v} asks to retire the guardrail: use retire"))
            }
            _ => conflict(format!(
                "version {v} is {state}: only an approved version in review can be published"
            )),
        },
        ReviewStep::Retire => match (newest.state, newest.intent, newest.approved) {
            (S::Published, _, _) => Ok(Transition::AskToRetire),
            (S::InReview, I::Retire, true) => Ok(Transition::Retire),
            (S::InReview, I::Retire, false) => conflict(format!(
                "retiring is awaiting approval: a second person must approve version {v} first"
            )),
            (S::Retired, _, _) => conflict("the guardrail is already retired".into()),
            _ => conflict(format!(
                "version {v} is {state}: only a published guardrail can be retired; submit or reject the newer version first"
            )),
        },
    }
}

/// The steps that make sense on the newest version for a caller who may edit and/or
/// review, for buttons. The server decides again when the step is taken.
pub fn offered(newest: &Newest, caller: &Person, may_edit: bool, may_review: bool) -> Vec<ReviewStep> {
    ReviewStep::ALL
        .iter()
        .copied()
        .filter(|step| {
            let allowed = match step {
                ReviewStep::Approve | ReviewStep::Reject => may_review,
                ReviewStep::Submit | ReviewStep::Publish | ReviewStep::Retire => may_edit,
            };
            allowed && plan(*step, newest, caller, Some("-")).is_ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u128) -> Person {
        Person {
            id: Some(Uuid::from_u128(n)),
            actor: format!("user:p{n}"),
        }
    }

    fn newest(state: VersionState, intent: Intent, approved: bool) -> Newest {
        Newest {
            version: 2,
            state,
            intent,
            approved,
            author: person(1),
        }
    }

    #[test]
    fn a_version_goes_from_draft_to_published_with_a_second_person() {
        use ReviewStep as R;
        use VersionState as S;
        let author = person(1);
        let other = person(2);
        let draft = newest(S::Draft, Intent::Publish, false);
        assert_eq!(
            plan(R::Submit, &draft, &author, Some("why")).ok(),
            Some(Transition::Submit)
        );
        assert!(matches!(
            plan(R::Submit, &draft, &author, Some("  ")),
            Err(Error::Field { field: "note", .. })
        ));
        assert!(matches!(
            plan(R::Publish, &draft, &author, None),
            Err(Error::Conflict(_))
        ));
        let review = newest(S::InReview, Intent::Publish, false);
        let own = plan(R::Approve, &review, &author, None).expect_err("refused");
        assert!(
            matches!(own, Error::Refused(ref why) if why.contains("you wrote version 2")),
            "{own}"
        );
        assert_eq!(
            plan(R::Approve, &review, &other, None).ok(),
            Some(Transition::Approve)
        );
        assert!(
            matches!(plan(R::Publish, &review, &author, None), Err(Error::Conflict(ref m)) if m.contains("not approved"))
        );
        assert!(matches!(
            plan(R::Reject, &review, &other, None),
            Err(Error::Field { .. })
        ));
        assert_eq!(
            plan(R::Reject, &review, &other, Some("fix")).ok(),
            Some(Transition::Reject)
        );
        let approved = newest(S::InReview, Intent::Publish, true);
        assert!(matches!(
            plan(R::Approve, &approved, &other, None),
            Err(Error::Conflict(_))
        ));
        assert_eq!(
            plan(R::Publish, &approved, &author, None).ok(),
            Some(Transition::Publish)
        );
    }

    #[test]
    fn retiring_is_asked_for_approved_by_another_then_done() {
        use ReviewStep as R;
        use VersionState as S;
        let author = person(1);
        let published = newest(S::Published, Intent::Publish, true);
        assert_eq!(
            plan(R::Retire, &published, &author, None).ok(),
            Some(Transition::AskToRetire)
        );
        assert!(matches!(
            plan(R::Submit, &published, &author, Some("x")),
            Err(Error::Conflict(_))
        ));
        let asked = newest(S::InReview, Intent::Retire, false);
        assert!(
            matches!(plan(R::Retire, &asked, &author, None), Err(Error::Conflict(ref m)) if m.contains("awaiting approval"))
        );
        assert!(matches!(
            plan(R::Approve, &asked, &author, None),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            plan(R::Publish, &asked, &author, None),
            Err(Error::Conflict(_))
        ));
        let approved = newest(S::InReview, Intent::Retire, true);
        assert_eq!(
            plan(R::Retire, &approved, &author, None).ok(),
            Some(Transition::Retire)
        );
        let retired = newest(S::Retired, Intent::Retire, true);
        assert!(matches!(
            plan(R::Retire, &retired, &author, None),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn the_cli_is_one_author_and_buttons_follow_the_rules() {
        let cli = Person {
            id: None,
            actor: "system:cli".into(),
        };
        let mut review = newest(VersionState::InReview, Intent::Publish, false);
        review.author = cli.clone();
        assert!(matches!(
            plan(ReviewStep::Approve, &review, &cli, None),
            Err(Error::Refused(_))
        ));
        assert_eq!(
            offered(&review, &person(2), false, true),
            vec![ReviewStep::Approve, ReviewStep::Reject]
        );
        assert_eq!(
            offered(&review, &person(2), true, false),
            Vec::<ReviewStep>::new()
        );
        let draft = newest(VersionState::Draft, Intent::Publish, false);
        assert_eq!(offered(&draft, &person(1), true, true), vec![ReviewStep::Submit]);
    }
}
